// redirect-bench: what one kernel transaction per redirect group buys, and that the packet
// path does not slow down with the number of redirects.
//
//   sudo build/tests/bench/redirect-bench [rounds]
//
// Runs in a private network namespace with the lab (client — firewall — server). Each
// measurement alternates its two variants round by round (A B A B ...) so that machine
// noise hits both alike; medians and their ratio are printed as markdown.
#include "Firewall.hpp"
#include "lab/FirewallNetns.hpp"
#include "lab/UdpClient.hpp"
#include "lab/UdpServer.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double medianOf(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

double secondsOf(const std::function<void()>& work) {
    const auto start = Clock::now();
    work();
    return std::chrono::duration<double>(Clock::now() - start).count();
}

void compare(const std::string& what, const std::string& nameA, const std::function<void()>& a,
             const std::string& nameB, const std::function<void()>& b, int rounds) {
    std::vector<double> timesA;
    std::vector<double> timesB;
    for (int i = 0; i < rounds; ++i) {
        timesA.push_back(secondsOf(a));
        timesB.push_back(secondsOf(b));
    }
    const double medianA = medianOf(timesA);
    const double medianB = medianOf(timesB);
    std::cout << "| " << what << " | " << nameA << ": " << medianA * 1e3 << " ms | " << nameB
              << ": " << medianB * 1e3 << " ms | " << medianB / medianA << " |\n";
}

redirect::Request udpRequest(std::size_t ports, std::uint16_t firstTargetPort) {
    std::vector<SocketAddress> targets;
    for (std::size_t i = 0; i < ports; ++i) {
        targets.emplace_back(Lab::serverAddress(Family::V4),
                             static_cast<std::uint16_t>(firstTargetPort + i));
    }
    redirect::Request request = Firewall::requestTo(targets, net::Transport::Udp);
    request.flags = redirect::flags::AllowMultiple;
    return request;
}

// 64 redirects as one group (one transaction to add, one to remove) against 64 groups of
// one redirect each (64 transactions each way), on the real kernel.
void batching(Firewall& firewall, int rounds) {
    const auto oneGroup = [&] {
        const auto id = firewall.open(udpRequest(64, 9000)).id;
        firewall.close(id);
    };
    const auto manyGroups = [&] {
        std::vector<redirect::GroupId> ids;
        ids.reserve(64);
        for (int i = 0; i < 64; ++i) {
            ids.push_back(firewall.open(udpRequest(1, 9000)).id);
        }
        for (const auto id : ids) {
            firewall.close(id);
        }
    };
    compare("add + remove 64 redirects", "1 group (2 transactions)", oneGroup,
            "64 groups (128 transactions)", manyGroups, rounds);
}

// New UDP flows through one redirect, with no other redirect installed and with 9,600
// others (150 groups of 64): the DNAT and permission lookups are hash lookups in sets, so
// the per-connection cost should not depend on how many redirects exist. Redirects
// restricted to a client prefix are the exception: they live in an interval set (pipapo),
// whose lookup grows with its size; the second run shows by how much.
void packetPath(const Lab& lab, Firewall& firewall, int rounds,
                const std::optional<net::Prefix>& allowed) {
    UdpServer server(&lab.server(), Lab::serverAddress(Family::V4));
    const auto restricted = [&](redirect::Request request) {
        request.allowedSource = allowed;
        return request;
    };
    const auto& group = firewall.open(restricted(udpRequest(1, server.port())));
    const SocketAddress internal = Firewall::internalOf(group);
    const auto flows = [&] {
        for (int i = 0; i < 500; ++i) {
            UdpClient client(&lab.client(), Family::V4);
            client.send(internal, "x");
            if (!server.receive(3s)) {
                throw std::runtime_error("a datagram did not arrive");
            }
        }
    };
    std::vector<redirect::GroupId> filler;
    const auto fill = [&] {
        for (int i = 0; i < 150; ++i) {
            filler.push_back(firewall.open(restricted(udpRequest(64, 20000))).id);
        }
    };
    const auto drain = [&] {
        for (const auto id : filler) {
            firewall.close(id);
        }
        filler.clear();
    };
    std::vector<double> alone;
    std::vector<double> crowded;
    for (int i = 0; i < rounds; ++i) {
        alone.push_back(secondsOf(flows));
        fill();
        crowded.push_back(secondsOf(flows));
        drain();
    }
    const double a = medianOf(alone);
    const double c = medianOf(crowded);
    firewall.close(group.id);
    std::cout << "| 500 new UDP flows, "
              << (allowed ? "client prefix " + allowed->toString() : "any client")
              << " | 1 redirect installed: " << a * 1e3 << " ms | 9,601 installed: " << c * 1e3
              << " ms | " << c / a << " |\n";
}

int runBench(int rounds) {
    enterFirewallNetns();
    Lab lab;
    Firewall firewall(redirect::PortRange(30000, 49999));
    std::cout << "| measurement | A (median) | B (median) | B / A |\n|---|---|---|---|\n";
    batching(firewall, rounds);
    packetPath(lab, firewall, rounds, std::nullopt);
    packetPath(lab, firewall, rounds, net::Prefix::parse("192.0.2.0/24"));
    return EXIT_SUCCESS;
}

} // namespace
} // namespace fwx::test

int main(int argc, char** argv) {
    try {
        return fwx::test::runBench(argc > 1 ? std::stoi(argv[1]) : 15);
    } catch (const std::exception& e) {
        std::cerr << "redirect-bench: " << e.what() << "\n";
        return EXIT_FAILURE;
    }
}
