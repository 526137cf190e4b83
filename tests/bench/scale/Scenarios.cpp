#include "Scenarios.hpp"

#include "ConntrackFiller.hpp"
#include "NftElementCount.hpp"
#include "StopSignal.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

namespace fwx::bench {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr double TeardownLimitSeconds = 60;

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
        result.rounds.push_back(measureFlowRate(rig.lab().client(), rig.trafficDestination(),
                                                rig.lab().server(), rig.trafficReceiver(), flows));
        rig.forgetTrafficFlows();
    }
    return result;
}

TeardownResult measureTeardown(Rig& rig, RedirectFiller& filler, TeardownKind kind,
                               std::size_t baseRedirects, std::size_t baseElements) {
    TeardownResult result;
    result.kind = kind;
    result.redirects = rig.activeRedirects();
    result.elements = fwxdElementCount();
    result.rssBeforeKiB = rig.rssKiB();
    {
        ForwardingProbe probe(rig.lab().client(), rig.trafficDestination(), rig.lab().server(),
                              rig.trafficReceiver());
        std::this_thread::sleep_for(300ms);
        const std::int64_t from = ForwardingProbe::now();
        const auto start = Clock::now();
        if (kind == TeardownKind::CloseSession) {
            filler.closeSession();
            result.replySeconds = secondsSince(start);
        } else {
            filler.disconnect();
        }
        bool fwxdDone = false;
        bool kernelDone = false;
        while (!(fwxdDone && kernelDone) && secondsSince(start) < TeardownLimitSeconds) {
            throwIfStopped();
            if (!fwxdDone && rig.activeRedirects() == baseRedirects) {
                fwxdDone = true;
                result.fwxdSeconds = secondsSince(start);
            }
            if (!kernelDone && fwxdElementCount() == baseElements) {
                kernelDone = true;
                result.kernelSeconds = secondsSince(start);
            }
            if (!(fwxdDone && kernelDone)) {
                std::this_thread::sleep_for(2ms);
            }
        }
        result.completed = fwxdDone && kernelDone;
        result.redirectsLeft = rig.activeRedirects();
        result.elementsLeft = fwxdElementCount();
        if (!result.completed) {
            result.fwxdSeconds = fwxdDone ? result.fwxdSeconds : secondsSince(start);
            result.kernelSeconds = kernelDone ? result.kernelSeconds : secondsSince(start);
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
