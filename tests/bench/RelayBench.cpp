// The user-mode relay (NO_KERNEL_MODE) against kernel-mode NAT on the same veth lab: TCP bulk
// throughput (iperf3), CPU per GB, the rate of short connections, and the relay holding many
// concurrent connections. The real fwxd of this build in the lab's firewall namespace, one
// ALLOW_MULTIPLE redirect of each mode to the same server; the two modes alternate round by
// round and the tables give medians and user/kernel ratios from the one run.
//
// Usage: sudo build/tests/bench/relay-bench [ROUNDS [SECONDS [CONNECTIONS [CONCURRENT]]]]
//        (default 3 rounds of 5 s iperf3 each, 2000 short connections, 10000 concurrent)
// Needs iperf3 (scripts/install-deps installs it).
#include "BusDaemon.hpp"
#include "ChildProcess.hpp"
#include "FwxdClient.hpp"
#include "FwxdProcess.hpp"
#include "lab/Command.hpp"
#include "lab/FirewallNetns.hpp"
#include "lab/Lab.hpp"
#include "lab/Netns.hpp"
#include "lab/Socket.hpp"
#include "lab/SocketAddress.hpp"
#include "lab/TcpConnect.hpp"
#include "lab/TcpServer.hpp"
#include "lab/UdpClient.hpp"
#include "lab/UdpServer.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using namespace fwx::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::uint16_t IperfPort = 5201;

// Busy time of every CPU (user, nice, system, irq, softirq, steal), in seconds: kernel-mode
// forwarding runs in softirq and belongs to no process.
double busyCpuSeconds() {
    std::ifstream stat("/proc/stat");
    std::string cpu;
    double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
    return (user + nice + system + irq + softirq + steal) /
           static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// utime + stime of pid, in seconds.
double processCpuSeconds(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    std::getline(stat, text);
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int number = 3; fields >> field && number <= 15; ++number) {
        if (number >= 14) {
            ticks += std::stod(field);
        }
    }
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// A /proc/PID/status field in kB (VmRSS) or a count.
long statusField(pid_t pid, const std::string& name) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind(name + ":", 0) == 0) {
            return std::stol(line.substr(name.size() + 1));
        }
    }
    return -1;
}

std::size_t openDescriptors(pid_t pid) {
    return static_cast<std::size_t>(
        std::distance(std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd"),
                      std::filesystem::directory_iterator{}));
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

struct Throughput {
    double gbitPerSecond = 0;
    double cpuSecondsPerGB = 0; // every CPU's busy time per GB received
    double fwxdCpuSecondsPerGB = 0;
};

Throughput iperf(const Lab& lab, const SocketAddress& internal, int seconds, pid_t fwxd) {
    const double busy = busyCpuSeconds();
    const double own = processCpuSeconds(fwxd);
    CommandOptions options;
    options.timeout = std::chrono::milliseconds((seconds + 20) * 1000);
    const CommandResult result = lab.client().run([&] {
        return run({"iperf3", "-c", internal.address(), "-p", std::to_string(internal.port()), "-t",
                    std::to_string(seconds), "-J"},
                   options);
    });
    const double busyUsed = busyCpuSeconds() - busy;
    const double ownUsed = processCpuSeconds(fwxd) - own;
    const auto report = nlohmann::json::parse(result.out);
    const auto& received = report.at("end").at("sum_received");
    const double bytes = received.at("bytes").get<double>();
    const double gb = bytes / 1e9;
    return {received.at("bits_per_second").get<double>() / 1e9, busyUsed / gb, ownUsed / gb};
}

// Short connections one after the other (connect, a line, its echo, close), per second.
double connectionRate(const Lab& lab, const SocketAddress& internal, int connections) {
    const auto start = Clock::now();
    int made = 0;
    for (int i = 0; i < connections; ++i) {
        made += tcpConnect(&lab.client(), internal, "hello\n", 5000ms).connected() ? 1 : 0;
    }
    const std::chrono::duration<double> took = Clock::now() - start;
    if (made != connections) {
        std::fprintf(stderr, "relay-bench: %d of %d connections failed\n", connections - made,
                     connections);
    }
    return made / took.count();
}

// Accepts and holds every connection until destroyed: the far end of the concurrency run.
class Holder {
public:
    explicit Holder(const Lab& lab)
        : listener_(openSocket(&lab.server(), Family::V4, SOCK_STREAM)) {
        bindTo(listener_.get(), {Lab::serverAddress(Family::V4), 0});
        ::listen(listener_.get(), 4096);
        thread_ = std::thread([this] { acceptAll(); });
    }
    ~Holder() {
        stop_ = true;
        thread_.join();
    }
    Holder(const Holder&) = delete;
    Holder& operator=(const Holder&) = delete;

    SocketAddress address() const { return localAddressOf(listener_.get()); }
    std::size_t held() const { return held_.load(); }

private:
    void acceptAll() {
        while (!stop_) {
            pollfd ready{listener_.get(), POLLIN, 0};
            if (::poll(&ready, 1, 100) != 1) {
                continue;
            }
            UniqueFd accepted(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
            if (accepted) {
                connections_.push_back(std::move(accepted));
                ++held_;
            }
        }
    }

    UniqueFd listener_;
    std::vector<UniqueFd> connections_;
    std::atomic<std::size_t> held_{0};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

struct Concurrency {
    std::size_t opened = 0;
    std::size_t reachedTarget = 0;
    std::optional<std::size_t> answered; // UDP: flows whose client got the target's reply
    double rssBeforeKb = 0;
    double rssAfterKb = 0;
    std::size_t fdsBefore = 0;
    std::size_t fdsAfter = 0;
    double seconds = 0;
};

Concurrency concurrent(const Lab& lab, FwxdClient& client, const sdbus::ObjectPath& session,
                       pid_t fwxd, std::size_t count) {
    Holder holder(lab);
    RedirectRequest request;
    request.flags = AllowMultiple | NoKernelMode;
    const Redirected redirected = client.redirectUnsubscribed(
        session, {ConnectAddress(holder.address().address(), holder.address().port())}, request);
    const SocketAddress internal{redirected.internalAddress, redirected.basePort};
    Concurrency result;
    result.rssBeforeKb = static_cast<double>(statusField(fwxd, "VmRSS"));
    result.fdsBefore = openDescriptors(fwxd);
    const auto start = Clock::now();
    std::vector<UniqueFd> clients;
    clients.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        TcpConnectOptions options;
        options.keepOpen = true;
        options.expectEcho = false;
        TcpOutcome outcome = tcpConnect(&lab.client(), internal, "", 5000ms, options);
        if (outcome.connected()) {
            clients.push_back(std::move(outcome.connection));
        }
    }
    const auto deadline = Clock::now() + 60s;
    while (holder.held() < clients.size() && Clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
    }
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    result.opened = clients.size();
    result.reachedTarget = holder.held();
    result.rssAfterKb = static_cast<double>(statusField(fwxd, "VmRSS"));
    result.fdsAfter = openDescriptors(fwxd);
    client.action(redirected.actions.at(0)).Cancel();
    return result;
}

// Each client socket is a flow of its own: one outbound socket in fwxd, and no pipes. The
// target answers every datagram; the flows stay until the relay's idle timeout.
Concurrency concurrentUdp(const Lab& lab, FwxdClient& client, const sdbus::ObjectPath& session,
                          pid_t fwxd, std::size_t count) {
    UdpServer target(&lab.server(), Lab::serverAddress(Family::V4));
    RedirectRequest request;
    request.protocol = "udp";
    request.flags = AllowMultiple | NoKernelMode;
    const Redirected redirected = client.redirectUnsubscribed(
        session, {ConnectAddress(target.address().address(), target.port())}, request);
    const SocketAddress internal{redirected.internalAddress, redirected.basePort};
    Concurrency result;
    result.rssBeforeKb = static_cast<double>(statusField(fwxd, "VmRSS"));
    result.fdsBefore = openDescriptors(fwxd);
    const auto start = Clock::now();
    const auto answerOne = [&](milliseconds wait) {
        const auto datagram = target.receive(wait);
        if (datagram) {
            target.reply(datagram->peer, "pong");
            ++result.reachedTarget;
        }
        return datagram.has_value();
    };
    std::vector<std::unique_ptr<UdpClient>> clients;
    clients.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        clients.push_back(std::make_unique<UdpClient>(&lab.client(), Family::V4));
        clients.back()->send(internal, "ping");
        // One at a time: a burst of new flows would overflow fwxd's receive buffer (and the
        // target's), which is not what this measures.
        answerOne(200ms);
    }
    while (answerOne(500ms)) {
    }
    std::size_t answered = 0;
    for (const auto& each : clients) {
        if (each->receive(0ms)) {
            ++answered;
        }
    }
    result.answered = answered;
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    result.opened = clients.size();
    result.rssAfterKb = static_cast<double>(statusField(fwxd, "VmRSS"));
    result.fdsAfter = openDescriptors(fwxd);
    client.action(redirected.actions.at(0)).Cancel();
    return result;
}

// fwxd inherits the limit: six descriptors per relayed TCP connection. Without
// CAP_SYS_RESOURCE the hard limit is as high as it goes; returns it.
rlim_t raiseDescriptorLimit() {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    rlimit wanted{262144, 262144};
    if (::setrlimit(RLIMIT_NOFILE, &wanted) == 0) {
        return wanted.rlim_cur;
    }
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    return limit.rlim_max;
}

// Medians over the rounds, kernel mode and user mode alternating which goes first.
struct Samples {
    std::vector<double> gbit, cpu, fwxdCpu, rate;
};

struct Endpoints {
    SocketAddress iperf;
    SocketAddress echo;
};

void measureRound(const Lab& lab, pid_t fwxd, const Endpoints& endpoints, bool user, int seconds,
                  int connections, Samples& samples, int round) {
    const Throughput t = iperf(lab, endpoints.iperf, seconds, fwxd);
    const double rate = connectionRate(lab, endpoints.echo, connections);
    samples.gbit.push_back(t.gbitPerSecond);
    samples.cpu.push_back(t.cpuSecondsPerGB);
    samples.fwxdCpu.push_back(t.fwxdCpuSecondsPerGB);
    samples.rate.push_back(rate);
    std::printf("round %d %-6s: %6.2f Gbit/s, %.3f CPU s/GB (fwxd %.3f), %8.0f conn/s\n", round,
                user ? "user" : "kernel", t.gbitPerSecond, t.cpuSecondsPerGB, t.fwxdCpuSecondsPerGB,
                rate);
    std::fflush(stdout);
}

void printTable(const Samples& kernel, const Samples& user, int rounds, int seconds,
                int connections) {
    const auto row = [](const char* what, const char* unit, double k, double u) {
        std::printf("| %s | %.3g%s | %.3g%s | %.2f |\n", what, k, unit, u, unit, u / k);
    };
    std::printf("\n| measurement (medians of %d rounds; iperf3 %d s, %d short connections) | "
                "kernel mode (nft NAT) | user mode (relay) | user / kernel |\n"
                "|---|---:|---:|---:|\n",
                rounds, seconds, connections);
    row("TCP throughput, one iperf3 stream", " Gbit/s", median(kernel.gbit), median(user.gbit));
    row("CPU time per GB, all CPUs (iperf3 and softirq included)", " s", median(kernel.cpu),
        median(user.cpu));
    std::printf("| of which fwxd's own | %.3g s | %.3g s | |\n", median(kernel.fwxdCpu),
                median(user.fwxdCpu));
    row("short TCP connections per second, one after another", "", median(kernel.rate),
        median(user.rate));
}

void printConcurrency(const Concurrency& c, std::size_t asked, const char* what) {
    const auto opened = static_cast<double>(c.opened);
    std::printf("\n%zu concurrent relayed %s asked for, %zu opened by the client, %zu reached "
                "the target",
                asked, what, c.opened, c.reachedTarget);
    if (c.answered) {
        std::printf(", %zu got its answer back", *c.answered);
    }
    std::printf(", in %.1f s\n", c.seconds);
    std::printf("fwxd VmRSS %.1f MiB -> %.1f MiB (%.2f KiB per connection), descriptors %zu -> "
                "%zu (%.2f per connection)\n",
                c.rssBeforeKb / 1024.0, c.rssAfterKb / 1024.0,
                c.opened > 0 ? (c.rssAfterKb - c.rssBeforeKb) / opened : 0.0, c.fdsBefore,
                c.fdsAfter,
                c.opened > 0 ? static_cast<double>(c.fdsAfter - c.fdsBefore) / opened : 0.0);
}

struct Arguments {
    int rounds = 3;
    int seconds = 5;
    int connections = 2000;
    std::size_t concurrency = 10000;
};

int run(const Arguments& a) {
    const rlim_t descriptors = raiseDescriptorLimit();
    const std::size_t fits = (descriptors - 200) / 6;
    if (a.concurrency > fits) {
        std::printf("RLIMIT_NOFILE is %lu here and cannot be raised (no CAP_SYS_RESOURCE): "
                    "%zu concurrent connections instead of %zu\n",
                    static_cast<unsigned long>(descriptors), fits, a.concurrency);
    }
    enterFirewallNetns();
    Netns::removeStale();
    Lab lab;
    BusDaemon bus;
    FwxdSettings settings;
    settings.internalAddresses = {Lab::internalAddress(Family::V4)};
    settings.udpIdleTimeoutSec = 120; // the default: every UDP flow outlives the run
    FwxdProcess fwxd(bus, settings);
    FwxdClient client(bus.address());
    const sdbus::ObjectPath session = client.openSession();
    const auto iperfServer = lab.server().run([] {
        return std::make_unique<ChildProcess>(
            std::vector<std::string>{"/usr/bin/iperf3", "-s", "-p", std::to_string(IperfPort)});
    });
    TcpServer echo(&lab.server(), Lab::serverAddress(Family::V4));
    std::this_thread::sleep_for(300ms); // iperf3 -s has no readiness signal

    const auto open = [&](std::uint16_t port, bool user) {
        RedirectRequest request;
        request.flags = AllowMultiple | (user ? NoKernelMode : 0U);
        const Redirected r = client.redirectUnsubscribed(
            session, {ConnectAddress(Lab::serverAddress(Family::V4), port)}, request);
        return SocketAddress(r.internalAddress, r.basePort);
    };
    const Endpoints kernelMode{open(IperfPort, false), open(echo.port(), false)};
    const Endpoints userMode{open(IperfPort, true), open(echo.port(), true)};
    Samples kernel;
    Samples user;
    for (int round = 1; round <= a.rounds; ++round) {
        const bool userFirst = round % 2 == 0;
        for (const bool isUser : {userFirst, !userFirst}) {
            measureRound(lab, fwxd.pid(), isUser ? userMode : kernelMode, isUser, a.seconds,
                         a.connections, isUser ? user : kernel, round);
        }
        while (echo.accept(0ms)) { // the echo server keeps what it served: let it go
        }
    }
    printTable(kernel, user, a.rounds, a.seconds, a.connections);
    printConcurrency(concurrent(lab, client, session, fwxd.pid(), std::min(a.concurrency, fits)),
                     a.concurrency, "TCP connections");
    printConcurrency(concurrentUdp(lab, client, session, fwxd.pid(), a.concurrency), a.concurrency,
                     "UDP flows");
    iperfServer->stop(SIGTERM, 5000ms);
    fwxd.terminate();
    return EXIT_SUCCESS;
}

} // namespace

int main(int argc, char** argv) {
    Arguments a;
    a.rounds = argc > 1 ? std::atoi(argv[1]) : a.rounds;
    a.seconds = argc > 2 ? std::atoi(argv[2]) : a.seconds;
    a.connections = argc > 3 ? std::atoi(argv[3]) : a.connections;
    a.concurrency = argc > 4 ? static_cast<std::size_t>(std::atol(argv[4])) : a.concurrency;
    if (::geteuid() != 0 || a.rounds < 1 || a.seconds < 1 || a.connections < 1) {
        std::fprintf(stderr, "usage: sudo %s [ROUNDS [SECONDS [CONNECTIONS [CONCURRENT]]]]\n",
                     argv[0]);
        return EXIT_FAILURE;
    }
    try {
        return run(a);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "relay-bench: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "relay-bench: an unknown exception\n");
    }
    return EXIT_FAILURE;
}
