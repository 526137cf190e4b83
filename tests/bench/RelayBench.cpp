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

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
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

} // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 3;
    const int seconds = argc > 2 ? std::atoi(argv[2]) : 5;
    const int connections = argc > 3 ? std::atoi(argv[3]) : 2000;
    const auto concurrency = static_cast<std::size_t>(argc > 4 ? std::atol(argv[4]) : 10000);
    if (::geteuid() != 0 || rounds < 1 || seconds < 1 || connections < 1) {
        std::fprintf(stderr, "usage: sudo %s [ROUNDS [SECONDS [CONNECTIONS [CONCURRENT]]]]\n",
                     argv[0]);
        return EXIT_FAILURE;
    }
    const rlim_t descriptors = raiseDescriptorLimit();
    const std::size_t fits = (descriptors - 200) / 6;
    if (concurrency > fits) {
        std::printf("RLIMIT_NOFILE is %lu here and cannot be raised (no CAP_SYS_RESOURCE): "
                    "%zu concurrent connections instead of %zu\n",
                    static_cast<unsigned long>(descriptors), fits, concurrency);
    }
    enterFirewallNetns();
    Netns::removeStale();
    Lab lab;
    BusDaemon bus;
    FwxdSettings settings;
    settings.internalAddresses = {Lab::internalAddress(Family::V4)};
    FwxdProcess fwxd(bus, settings);
    FwxdClient client(bus.address());
    const sdbus::ObjectPath session = client.openSession();

    const auto iperfServer = lab.server().run([] {
        return std::make_unique<ChildProcess>(
            std::vector<std::string>{"/usr/bin/iperf3", "-s", "-p", std::to_string(IperfPort)});
    });
    TcpServer echo(&lab.server(), Lab::serverAddress(Family::V4));
    std::this_thread::sleep_for(300ms); // iperf3 -s has no readiness signal

    auto open = [&](std::uint16_t port, bool user) {
        RedirectRequest request;
        request.flags = AllowMultiple | (user ? NoKernelMode : 0U);
        const Redirected r = client.redirectUnsubscribed(
            session, {ConnectAddress(Lab::serverAddress(Family::V4), port)}, request);
        return SocketAddress(r.internalAddress, r.basePort);
    };
    const SocketAddress kernelIperf = open(IperfPort, false);
    const SocketAddress userIperf = open(IperfPort, true);
    const SocketAddress kernelEcho = open(echo.port(), false);
    const SocketAddress userEcho = open(echo.port(), true);

    std::vector<double> kernelGbit, userGbit, kernelCpu, userCpu, userFwxdCpu, kernelRate, userRate;
    for (int round = 0; round < rounds; ++round) {
        const bool userFirst = round % 2 == 1;
        for (const bool user : {userFirst, !userFirst}) {
            const Throughput t = iperf(lab, user ? userIperf : kernelIperf, seconds, fwxd.pid());
            (user ? userGbit : kernelGbit).push_back(t.gbitPerSecond);
            (user ? userCpu : kernelCpu).push_back(t.cpuSecondsPerGB);
            if (user) {
                userFwxdCpu.push_back(t.fwxdCpuSecondsPerGB);
            }
            const double rate = connectionRate(lab, user ? userEcho : kernelEcho, connections);
            (user ? userRate : kernelRate).push_back(rate);
            std::printf("round %d %-6s: %6.2f Gbit/s, %.3f CPU s/GB (fwxd %.3f), %8.0f conn/s\n",
                        round + 1, user ? "user" : "kernel", t.gbitPerSecond, t.cpuSecondsPerGB,
                        t.fwxdCpuSecondsPerGB, rate);
            std::fflush(stdout);
        }
        // Echo connections wait in the server's queue until accepted: drain them.
        while (echo.accept(0ms)) {
        }
    }

    std::printf(
        "\n| measurement (medians of %d rounds) | kernel mode (nft NAT) | user mode (relay) "
        "| user / kernel |\n|---|---:|---:|---:|\n",
        rounds);
    std::printf("| TCP throughput, one iperf3 stream, %d s | %.2f Gbit/s | %.2f Gbit/s | %.2f |\n",
                seconds, median(kernelGbit), median(userGbit),
                median(userGbit) / median(kernelGbit));
    std::printf("| CPU time per GB (all CPUs, softirq included) | %.3f s | %.3f s | %.2f |\n",
                median(kernelCpu), median(userCpu), median(userCpu) / median(kernelCpu));
    std::printf("| of which fwxd's own | — | %.3f s | |\n", median(userFwxdCpu));
    std::printf(
        "| short TCP connections per second, one after another (%d) | %.0f | %.0f | %.2f |\n",
        connections, median(kernelRate), median(userRate), median(userRate) / median(kernelRate));

    const Concurrency c = concurrent(lab, client, session, fwxd.pid(), std::min(concurrency, fits));
    std::printf("\n%zu concurrent relayed TCP connections asked for, %zu opened by the client, %zu "
                "reached the target, in %.1f s\n",
                concurrency, c.opened, c.reachedTarget, c.seconds);
    std::printf("fwxd VmRSS %.1f MiB -> %.1f MiB (%.2f KiB per connection), descriptors %zu -> %zu "
                "(%.2f per connection)\n",
                c.rssBeforeKb / 1024.0, c.rssAfterKb / 1024.0,
                c.opened ? (c.rssAfterKb - c.rssBeforeKb) / static_cast<double>(c.opened) : 0.0,
                c.fdsBefore, c.fdsAfter,
                c.opened
                    ? static_cast<double>(c.fdsAfter - c.fdsBefore) / static_cast<double>(c.opened)
                    : 0.0);
    iperfServer->stop(SIGTERM, 5000ms);
    fwxd.terminate();
    return EXIT_SUCCESS;
}
