// scale-bench: fwxd as a firewall sees it, at scale. Request latency and throughput against
// the bare D-Bus round trip, with 10 to 100,000 active redirects and 0 to 500,000 unrelated
// conntrack entries; fwxd's memory; tearing 100,000 redirects down while traffic flows;
// new connections through a redirect; latency after 10,000 sessions.
//
//   sudo build-bench/tests/bench/scale-bench [--quick] [--report FILE]
//
// tests/bench/run-scale-bench builds it and writes its report into docs/benchmarks.md.
// Runs as root in namespaces of its own (the lab); the only global change is
// net.netfilter.nf_conntrack_max (and the conntrack hash size if it would be far too
// small), put back on every exit. --quick: small levels, for trying the benchmark out.
#include "ConntrackFiller.hpp"
#include "GlobalSysctl.hpp"
#include "Limits.hpp"
#include "NftElementCount.hpp"
#include "RedirectFiller.hpp"
#include "Report.hpp"
#include "Rig.hpp"
#include "Scenarios.hpp"
#include "StopSignal.hpp"
#include "lab/FirewallNetns.hpp"
#include "lab/Netns.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

namespace fwx::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Plan {
    std::vector<std::size_t> redirectLevels{10, 1'000, 10'000, 100'000};
    std::vector<std::size_t> conntrackLevels{100'000, 500'000};
    std::size_t clients = 8;
    // The filler's requests. Today's fwxd cannot remove groups of 725 or more redirects and
    // programs only part of a 1,024 one (checkLargeRequests), so the bulk goes in groups of
    // 512, which it handles. And they are ALLOW_MULTIPLE: the kernel set of single-use
    // permissions (once_v4) holds at most 65,535 elements (checkSingleUseCapacity), and the
    // measuring clients' single-use requests need room in it at every level.
    std::size_t fillChunk = 512;
    std::uint32_t fillFlags = 0x1;
    std::vector<std::size_t> largeRequestSizes{512, 768, 900, 1024};
    std::size_t singleUseWanted = 100'000;
    std::size_t historyCycles = 10'000;
    std::size_t historyWindow = 1'000;
    double historyLimitSeconds = 180;
    std::size_t flows = 5'000;
    std::size_t flowRounds = 3;
    Budget budget;

    static Plan quick() {
        Plan plan;
        plan.redirectLevels = {10, 2'000};
        plan.conntrackLevels = {20'000};
        plan.historyCycles = 500;
        plan.historyWindow = 100;
        plan.historyLimitSeconds = 30;
        plan.largeRequestSizes = {512, 1024};
        plan.singleUseWanted = 2'000;
        plan.flows = 1'000;
        plan.budget = {0.5, 0.5, 1};
        return plan;
    }
};

const Clock::time_point started = Clock::now();

template <class... Args> void progress(fmt::format_string<Args...> format, Args&&... args) {
    const double at = std::chrono::duration<double>(Clock::now() - started).count();
    std::cerr << fmt::format("[{:6.1f} s] ", at) << fmt::format(format, std::forward<Args>(args)...)
              << std::endl;
}

void printLevel(const LevelResult& level) {
    for (const LoadResult& load : level.requests) {
        progress("  {} client(s), N={:>2}: request p50 {} p99 {}, {:.0f} cycles/s, {} samples, "
                 "{} errors",
                 load.clients, load.targets, formatMicroseconds(load.latencyUs.p50()),
                 formatMicroseconds(load.latencyUs.p99()), load.cyclesPerSecond(),
                 load.latencyUs.count(), load.errors.size());
    }
    progress("  Ping p50 {} (1 client), {} ({} clients); level took {:.1f} s",
             formatMicroseconds(level.ping1.latencyUs.p50()),
             formatMicroseconds(level.ping8.latencyUs.p50()), level.ping8.clients, level.seconds);
}

std::vector<std::string> errorNames(const std::map<std::string, std::size_t>& errors) {
    std::vector<std::string> names;
    for (const auto& [name, count] : errors) {
        names.push_back(fmt::format("{} × {}", count, name));
    }
    return names;
}

void fillRedirects(Rig& rig, RedirectFiller& filler, RunResults& results, std::size_t base,
                   std::size_t level) {
    if (level <= base + filler.size()) {
        return;
    }
    const std::size_t before = rig.activeRedirects();
    progress("filling to {} active redirects", formatCount(level));
    const FillResult fill = filler.growTo(level - base);
    const std::size_t after = rig.activeRedirects();
    results.fills.push_back(
        {fmt::format("redirects {} → {}", formatCount(before), formatCount(after)), fill.added,
         fill.requests, fill.seconds, fill.errors});
    progress("  {} redirects in {} requests, {:.1f} s", formatCount(fill.added),
             formatCount(fill.requests), fill.seconds);
    if (!fill.complete) {
        results.notes.push_back(fmt::format(
            "The filler could not reach {} active redirects: fwxd refused more at {} ({}). "
            "fwxd's log ends:\n\n```\n{}```",
            formatCount(level), formatCount(after), fmt::join(errorNames(fill.errors), ", "),
            tail(rig.fwxdLog(), 4)));
        progress("{}", results.notes.back());
    }
}

LevelResult level(Rig& rig, const Plan& plan) {
    progress("measuring at {} active redirects, {} conntrack entries",
             formatCount(rig.activeRedirects()), formatCount(conntrackCount()));
    LevelResult result = measureLevel(rig, plan.budget);
    printLevel(result);
    if (result.kernelPorts != result.redirects) {
        progress("  fwxd reports {} active redirects, the kernel's ports_v4 holds {} elements",
                 result.redirects, result.kernelPorts);
    }
    return result;
}

void flowRate(Rig& rig, const Plan& plan, RunResults& results, const std::string& when) {
    results.flowRates.push_back(measureFlowRate(rig, when, plan.flows, plan.flowRounds));
    const FlowRate m = results.flowRates.back().median();
    progress("new flows with {} redirects ({}): {:.0f}/s, {} of {} arrived",
             formatCount(results.flowRates.back().redirects), when, m.perSecond(), m.received,
             m.sent);
}

void teardown(Rig& rig, RedirectFiller& filler, RunResults& results, TeardownKind kind,
              std::size_t base, std::size_t baseElements) {
    progress("tearing down {} redirects: {}", formatCount(rig.activeRedirects()),
             kind == TeardownKind::CloseSession ? "Session1.Close" : "the filler disconnects");
    const TeardownResult t = measureTeardown(rig, filler, kind, base, baseElements);
    results.teardowns.push_back(t);
    progress("  fwxd back after {}, kernel after {}{}; longest forwarding gap {:.1f} ms "
             "({} / {} datagrams)",
             formatMicroseconds(t.fwxdSeconds * 1e6), formatMicroseconds(t.kernelSeconds * 1e6),
             t.completed ? "" : " (NOT finished)", t.probe.longestArrivalGapMs, t.probe.received,
             t.probe.sent);
    if (!t.completed) {
        results.notes.push_back(fmt::format(
            "Teardown ({}) not finished after {:.0f} s: ActiveRedirects {} (expected {}), {} "
            "elements in fwxd's sets (expected {}). fwxd's log ends:\n\n```\n{}```",
            kind == TeardownKind::CloseSession ? "Session1.Close" : "disconnect", t.fwxdSeconds,
            t.redirectsLeft, base, t.elementsLeft, baseElements, tail(rig.fwxdLog(), 8)));
        progress("{}", results.notes.back());
    }
}

void conntrackLevels(Rig& rig, const Plan& plan, RunResults& results) {
    ConntrackFiller entries;
    // The baseline again, right before the entries: side by side with them.
    results.conntrackLevels.push_back(level(rig, plan));
    for (const std::size_t count : plan.conntrackLevels) {
        progress("creating conntrack entries up to {}", formatCount(count));
        const std::size_t before = entries.size();
        const auto start = Clock::now();
        entries.growTo(count);
        const double took = std::chrono::duration<double>(Clock::now() - start).count();
        results.fills.push_back(
            {fmt::format("conntrack entries {} → {}", formatCount(before), formatCount(count)),
             count - before,
             0,
             took,
             {}});
        results.conntrackLevels.push_back(level(rig, plan));
    }
    progress("deleting {} conntrack entries", formatCount(entries.size()));
}

void scenarios(Rig& rig, const Plan& plan, RunResults& results);

void run(const Plan& plan, RunResults& results) {
    results.clients = plan.clients;
    results.budget = plan.budget;
    results.fillChunk = plan.fillChunk;
    results.fillFlags = plan.fillFlags;
    progress("starting the lab");
    const test::Lab lab;
    progress("large requests, each on a fresh fwxd ({})", test::FwxdProcess::binary());
    results.largeRequests =
        checkLargeRequests(plan.largeRequestSizes, test::Lab::serverAddress(test::Family::V4));
    for (const LargeRequest& r : results.largeRequests) {
        progress("  N={}: RedirectConnections {} ({} active, {} in the kernel), Close {} ({} "
                 "active, {} in the kernel)",
                 r.targets, r.redirect, r.activeAfterRedirect, r.kernelAfterRedirect, r.close,
                 r.activeAfterClose, r.kernelAfterClose);
    }
    progress("single-use capacity: up to {} in groups of {}, on a fresh fwxd",
             formatCount(plan.singleUseWanted), plan.fillChunk);
    results.singleUse = checkSingleUseCapacity(plan.singleUseWanted, plan.fillChunk,
                                               test::Lab::serverAddress(test::Family::V4));
    progress("  {} accepted, {} in once_v4; {}", formatCount(results.singleUse->accepted),
             formatCount(results.singleUse->kernelOnce),
             results.singleUse->error.empty() ? "no refusal" : results.singleUse->error);
    progress("starting a private bus and fwxd for the scale run");
    Rig rig(lab, plan.clients);
    try {
        scenarios(rig, plan, results);
    } catch (const Interrupted&) {
        throw;
    } catch (const std::exception& e) {
        results.notes.push_back(
            fmt::format("The run ended early: {}. fwxd's log ends:\n\n```\n{}```", e.what(),
                        tail(rig.fwxdLog(), 12)));
        throw;
    }
}

void scenarios(Rig& rig, const Plan& plan, RunResults& results) {
    const std::size_t base = rig.activeRedirects();
    const std::size_t baseElements = fwxdElementCount();
    const auto newFiller = [&] {
        return std::make_unique<RedirectFiller>(rig.busAddress(),
                                                test::Lab::serverAddress(test::Family::V4),
                                                plan.fillChunk, plan.fillFlags);
    };
    auto filler = newFiller();

    fillRedirects(rig, *filler, results, base, plan.redirectLevels.front());
    results.redirectLevels.push_back(level(rig, plan));
    flowRate(rig, plan, results, "start");

    progress("latency vs history: {} cycles", formatCount(plan.historyCycles));
    results.history =
        measureHistory(rig, plan.historyCycles, plan.historyWindow, plan.historyLimitSeconds);
    progress("  {} cycles in {:.1f} s; request p50 first {} last {}", results.history->cycles,
             results.history->seconds, formatMicroseconds(results.history->firstRequestUs.p50()),
             formatMicroseconds(results.history->lastRequestUs.p50()));
    if (results.history->cycles < plan.historyCycles) {
        results.notes.push_back(
            fmt::format("Latency vs history stopped at its time limit ({:.0f} s) after {} of {} "
                        "cycles.",
                        plan.historyLimitSeconds, formatCount(results.history->cycles),
                        formatCount(plan.historyCycles)));
    }

    conntrackLevels(rig, plan, results);

    for (std::size_t i = 1; i < plan.redirectLevels.size(); ++i) {
        fillRedirects(rig, *filler, results, base, plan.redirectLevels[i]);
        results.redirectLevels.push_back(level(rig, plan));
    }
    const std::size_t top = plan.redirectLevels.back();
    flowRate(rig, plan, results, fmt::format("{} redirects", formatCount(top)));

    std::size_t expected = base;
    std::size_t expectedElements = baseElements;
    teardown(rig, *filler, results, TeardownKind::CloseSession, expected, expectedElements);
    if (!results.teardowns.back().completed) {
        // What it left stays; the next teardown is judged on the filler's redirects only.
        expected = results.teardowns.back().redirectsLeft;
        expectedElements = results.teardowns.back().elementsLeft;
    }
    fillRedirects(rig, *filler, results, expected, top);
    teardown(rig, *filler, results, TeardownKind::Disconnect, expected, expectedElements);
    rig.checkFwxdRuns();

    filler = newFiller();
    fillRedirects(rig, *filler, results, base, plan.redirectLevels.front());
    flowRate(rig, plan, results, "after the teardowns");
    results.notes.push_back(fmt::format(
        "fwxd's VmRSS at the end, back at {} active redirects: {:.1f} MiB.",
        formatCount(rig.activeRedirects()), static_cast<double>(rig.rssKiB()) / 1024.0));
}

// nf_conntrack_max bounds each namespace's table; the hash table is shared by all of them.
// The hash size is only raised when the table would be more than 8 entries per bucket.
void raiseConntrackLimits(const Plan& plan, GlobalSysctl& max, GlobalSysctl& buckets) {
    std::size_t most = 0;
    for (const std::size_t count : plan.conntrackLevels) {
        most = std::max(most, count);
    }
    const std::size_t wanted = most + 200'000;
    if (max.raiseTo(wanted)) {
        progress("net.netfilter.nf_conntrack_max {} → {} for this run", max.original(), wanted);
    }
    if (buckets.value() * 8 < wanted && buckets.raiseTo(wanted / 4)) {
        progress("net.netfilter.nf_conntrack_buckets {} → {} for this run", buckets.original(),
                 wanted / 4);
    }
}

int usage(const char* program) {
    std::fprintf(stderr, "usage: sudo %s [--quick] [--report FILE]   (needs root)\n", program);
    return EXIT_FAILURE;
}

} // namespace
} // namespace fwx::bench

int main(int argc, char** argv) {
    using namespace fwx::bench;
    Plan plan;
    std::string reportFile;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--quick") {
            plan = Plan::quick();
        } else if (arg == "--report" && i + 1 < argc) {
            reportFile = argv[++i];
        } else {
            return usage(argv[0]);
        }
    }
    if (::geteuid() != 0) {
        return usage(argv[0]);
    }
    RunResults results;
    int status = EXIT_SUCCESS;
    try {
        installStopHandlers();
        // Opened here, in the host's namespace, before the process leaves it.
        GlobalSysctl max("net/netfilter/nf_conntrack_max");
        GlobalSysctl buckets("net/netfilter/nf_conntrack_buckets");
        fwx::test::enterFirewallNetns();
        fwx::test::Netns::removeStale();
        raiseConntrackLimits(plan, max, buckets);
        run(plan, results);
    } catch (const Interrupted& e) {
        std::fprintf(stderr, "scale-bench: %s; cleaned up\n", e.what());
        return 130;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "scale-bench: %s\n", e.what());
        if (results.notes.empty() || results.notes.back().rfind("The run ended early", 0) != 0) {
            results.notes.push_back(std::string("The run ended early: ") + e.what());
        }
        status = EXIT_FAILURE;
    }
    results.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    const std::string report = markdown(results);
    std::cout << report << std::flush;
    if (!reportFile.empty()) {
        std::ofstream out(reportFile);
        out << report;
        if (!out.flush()) {
            std::fprintf(stderr, "scale-bench: cannot write %s\n", reportFile.c_str());
            return EXIT_FAILURE;
        }
    }
    progress("done in {:.1f} s", results.seconds);
    return status;
}
