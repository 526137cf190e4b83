#include "Scenarios.hpp"

#include "ConntrackFiller.hpp"
#include "NftElementCount.hpp"
#include "StopSignal.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

namespace fwx::bench {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

} // namespace

LevelResult measureLevel(Rig& rig, const Budget& budget) {
    const auto start = Clock::now();
    LevelResult level;
    level.redirects = rig.activeRedirects();
    level.kernelPorts = nftElementCount("fwxd", "ports_v4");
    level.conntrack = conntrackCount();
    level.rssKiB = rig.rssKiB();
    ClientPool& pool = rig.pool();
    const std::size_t many = pool.size();
    level.ping1 = pool.ping(1, budget.pingSeconds);
    level.ping8 = pool.ping(many, budget.pingSeconds);
    for (const std::size_t targets : {1U, 16U}) {
        for (const std::size_t clients : {std::size_t{1}, many}) {
            level.requests.push_back(pool.redirectCancel(clients, targets, budget.requestSeconds,
                                                         clients == 1 ? budget.minCyclesAlone : 1));
            rig.checkFwxdRuns();
        }
    }
    level.seconds = secondsSince(start);
    return level;
}

FlowRate FlowRateResult::median() const {
    std::vector<FlowRate> sorted = rounds;
    std::sort(sorted.begin(), sorted.end(),
              [](const FlowRate& a, const FlowRate& b) { return a.perSecond() < b.perSecond(); });
    return sorted.empty() ? FlowRate{} : sorted[sorted.size() / 2];
}

FlowRateResult measureFlowRate(Rig& rig, const std::string& when, std::size_t flows,
                               std::size_t rounds) {
    FlowRateResult result;
    result.when = when;
    result.redirects = rig.activeRedirects();
    for (std::size_t i = 0; i < rounds; ++i) {
        const double cpu = rig.cpuMilliseconds();
        result.rounds.push_back(measureFlowRate(rig.lab().client(), rig.trafficDestination(),
                                                rig.lab().server(), rig.trafficReceiver(), flows));
        // fwxd gets a conntrack event for each flow; it has read them by now.
        std::this_thread::sleep_for(200ms);
        result.rounds.back().fwxdCpuMs = rig.cpuMilliseconds() - cpu;
        rig.forgetTrafficFlows();
    }
    return result;
}

TeardownResult measureTeardown(Rig& rig, RedirectFiller& filler, TeardownKind kind,
                               std::size_t expectedRedirects, std::size_t expectedElements,
                               double limitSeconds) {
    TeardownResult result;
    result.kind = kind;
    result.limitSeconds = limitSeconds;
    result.redirects = rig.activeRedirects();
    result.elements = fwxdElementCount();
    result.rssBeforeKiB = rig.rssKiB();
    {
        ForwardingProbe probe(rig.lab().client(), rig.trafficDestination(), rig.lab().server(),
                              rig.trafficReceiver());
        std::this_thread::sleep_for(300ms);
        const std::int64_t from = ForwardingProbe::now();
        const auto start = Clock::now();
        const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(limitSeconds));
        const auto left = [&] {
            return std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
        };
        std::atomic<bool> fwxdDone{false};
        std::thread watcher([&] {
            if (kind == TeardownKind::CloseSession) {
                filler.client().setCallTimeout(left());
                try {
                    filler.closeSession();
                    result.replySeconds = secondsSince(start);
                } catch (const BusCallError& e) {
                    result.closeError = e.name();
                }
                filler.client().setCallTimeout(BusClient::DefaultCallTimeout);
            } else {
                filler.disconnect();
            }
            BusClient& monitor = rig.monitor();
            while (Clock::now() < deadline && !stopRequested()) {
                monitor.setCallTimeout(left());
                try {
                    if (monitor.activeRedirects() == expectedRedirects) {
                        result.fwxdSeconds = secondsSince(start);
                        fwxdDone = true;
                        break;
                    }
                } catch (const BusCallError&) {
                    // Timed out: the deadline ends the loop.
                }
                std::this_thread::sleep_for(2ms);
            }
            monitor.setCallTimeout(BusClient::DefaultCallTimeout);
        });
        while (!(fwxdDone && result.kernelDone) && Clock::now() < deadline && !stopRequested()) {
            if (!result.kernelDone && fwxdElementCount() == expectedElements) {
                result.kernelSeconds = secondsSince(start);
                result.kernelDone = true;
            }
            std::this_thread::sleep_for(2ms);
        }
        watcher.join();
        throwIfStopped();
        result.fwxdDone = fwxdDone;
        if (!result.fwxdDone) {
            result.fwxdSeconds = secondsSince(start);
        }
        if (!result.kernelDone) {
            result.kernelSeconds = secondsSince(start);
        }
        const std::int64_t to = ForwardingProbe::now();
        // Datagrams sent just before `to` get time to arrive.
        std::this_thread::sleep_for(300ms);
        result.probe = probe.window(from, to);
    }
    rig.forgetTrafficFlows();
    result.rssAfterKiB = rig.rssKiB();
    return result;
}

HistoryResult measureHistory(Rig& rig, std::size_t cycles, std::size_t window,
                             double limitSeconds) {
    HistoryResult result;
    result.planned = cycles;
    BusClient& client = rig.pool().client(0);
    RedirectCall call;
    call.protocol = "tcp";
    call.targets.push_back({test::Lab::serverAddress(test::Family::V4), 40000});
    std::vector<double> cycleUs;
    std::vector<double> requestUs;
    cycleUs.reserve(cycles);
    requestUs.reserve(cycles);
    const auto start = Clock::now();
    while (result.cycles < cycles && secondsSince(start) < limitSeconds) {
        if (result.cycles % 100 == 0) {
            throwIfStopped();
        }
        const auto begin = Clock::now();
        try {
            const std::string session = client.openSession();
            const auto request = Clock::now();
            double requestTook = 0;
            try {
                client.redirect(session, call);
                requestTook =
                    std::chrono::duration<double, std::micro>(Clock::now() - request).count();
            } catch (const BusCallError&) {
                client.closeSession(session);
                throw;
            }
            client.closeSession(session);
            requestUs.push_back(requestTook);
            cycleUs.push_back(
                std::chrono::duration<double, std::micro>(Clock::now() - begin).count());
        } catch (const BusCallError& e) {
            if (result.errors++ == 0) {
                std::fprintf(stderr, "history: %s\n", e.what());
            }
        }
        ++result.cycles;
    }
    result.seconds = secondsSince(start);
    // Both ends of what was done, at most window each and never overlapping.
    const std::size_t done = cycleUs.size();
    result.window = std::min(window, done / 2);
    const auto slice = [](const std::vector<double>& values, std::size_t from, std::size_t n) {
        const auto first = values.begin() + static_cast<std::ptrdiff_t>(from);
        return Percentiles(std::vector<double>(first, first + static_cast<std::ptrdiff_t>(n)));
    };
    result.firstCycleUs = slice(cycleUs, 0, result.window);
    result.lastCycleUs = slice(cycleUs, done - result.window, result.window);
    result.firstRequestUs = slice(requestUs, 0, result.window);
    result.lastRequestUs = slice(requestUs, done - result.window, result.window);
    return result;
}

} // namespace fwx::bench
