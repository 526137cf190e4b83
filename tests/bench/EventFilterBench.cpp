// What the kernel-side event filter saves fwxd on a busy firewall: the real fwxd in the
// lab's firewall namespace, a flood of UDP flows from the client to the server that have
// nothing to do with fwxd (each one a conntrack NEW and, a second later, a DESTROY event),
// and fwxd's CPU time (utime + stime from /proc) over the flood, with [Conntrack]
// EventFilter=yes and =no alternating round by round.
//
// Usage: sudo build/tests/bench/event-filter-bench [ROUNDS [FLOWS]]   (default 5 20000)
#include "BusDaemon.hpp"
#include "FwxdProcess.hpp"
#include "lab/Command.hpp"
#include "lab/FirewallNetns.hpp"
#include "lab/Lab.hpp"
#include "lab/Netns.hpp"
#include "lab/Socket.hpp"
#include "lab/SocketAddress.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>
#include <unistd.h>

namespace {

using namespace fwx::test;
using namespace std::chrono_literals;

// utime + stime of pid, in milliseconds.
double cpuMilliseconds(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    std::getline(stat, text);
    // Fields after the command name, which is in parentheses and may contain spaces:
    // state is field 3, utime 14, stime 15.
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int number = 3; fields >> field && number <= 15; ++number) {
        if (number >= 14) {
            ticks += std::stod(field);
        }
    }
    return ticks * 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::size_t conntrackCount() {
    return std::stoul(run({"conntrack", "-C"}).out);
}

// Every flow from a new source port, to a server port nobody listens on.
void flood(const Lab& lab, int flows) {
    const SocketAddress to(Lab::serverAddress(Family::V4), 9);
    for (int i = 0; i < flows; ++i) {
        const UniqueFd socket = openSocket(&lab.client(), Family::V4, SOCK_DGRAM);
        (void)::sendto(socket.get(), "x", 1, 0, to.get(), to.size());
    }
}

// Until conntrack has destroyed the flood's entries and fwxd has stopped spending CPU on
// their events.
void settle(pid_t pid, std::size_t baseline) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (conntrackCount() > baseline + 10 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(100ms);
    }
    double before = -1;
    double now = cpuMilliseconds(pid);
    while (now != before && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(300ms);
        before = now;
        now = cpuMilliseconds(pid);
    }
}

double measure(const Lab& lab, bool filter, int flows) {
    BusDaemon bus;
    FwxdSettings settings;
    settings.eventFilter = filter;
    // IPv4 only: libnetfilter_conntrack 1.0.9's BPF filters destinations in the kernel only
    // for a list of IPv4 addresses (conntrack/EventFilter.hpp).
    settings.internalAddresses = {Lab::internalAddress(Family::V4)};
    FwxdProcess fwxd(bus, settings);
    const std::size_t baseline = conntrackCount();
    const double start = cpuMilliseconds(fwxd.pid());
    flood(lab, flows);
    settle(fwxd.pid(), baseline);
    const double used = cpuMilliseconds(fwxd.pid()) - start;
    fwxd.terminate();
    return used;
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 5;
    const int flows = argc > 2 ? std::atoi(argv[2]) : 20000;
    if (::geteuid() != 0 || rounds < 1 || flows < 1) {
        std::fprintf(stderr, "usage: sudo %s [ROUNDS [FLOWS]] (needs root)\n", argv[0]);
        return EXIT_FAILURE;
    }
    enterFirewallNetns();
    Netns::removeStale();
    Lab lab;
    // Entries of the flood go a second after their only packet, so their DESTROY events
    // fall inside the measurement.
    writeSysctl("net/netfilter/nf_conntrack_udp_timeout", "1");

    std::vector<double> on;
    std::vector<double> off;
    for (int round = 0; round < rounds; ++round) {
        const bool filterFirst = round % 2 == 0; // alternate which variant goes first
        for (const bool filter : {filterFirst, !filterFirst}) {
            const double ms = measure(lab, filter, flows);
            (filter ? on : off).push_back(ms);
            std::printf("round %d: EventFilter=%-3s %8.1f ms CPU\n", round + 1,
                        filter ? "yes" : "no", ms);
        }
    }
    const double a = median(on);
    const double b = median(off);
    const double tick = 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
    std::printf("\n%d unrelated UDP flows (NEW + DESTROY events each), medians of %d rounds "
                "(CPU time counts in %.0f ms ticks):\n"
                "  EventFilter=yes: %.1f ms fwxd CPU (%.2f us/flow)\n"
                "  EventFilter=no:  %.1f ms fwxd CPU (%.2f us/flow)\n",
                flows, rounds, tick, a, a * 1000.0 / flows, b, b * 1000.0 / flows);
    if (a > 0) {
        std::printf("  no / yes = %.1f\n", b / a);
    } else {
        std::printf("  no / yes > %.0f (yes stayed below one tick)\n", b / tick);
    }
    return EXIT_SUCCESS;
}
