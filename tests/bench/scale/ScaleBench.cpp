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
    double historyLimitSeconds = 60;
    // fwxd answers nothing while it tears down; past this it is replaced by a fresh one.
    double teardownLimitSeconds = 90;
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
        plan.teardownLimitSeconds = 30;
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
    names.reserve(errors.size());
    for (const auto& [name, count] : errors) {
        names.push_back(fmt::format("{} × {}", count, name));
    }
    return names;
}

const char* nameOf(TeardownKind kind) {
    return kind == TeardownKind::CloseSession ? "Session1.Close" : "the filler leaves the bus";
}

// One scale run against the lab: the scenarios in order, on a Rig that is replaced when a
// teardown leaves fwxd busy past its time limit.
class ScaleRun {
public:
    ScaleRun(const test::Lab& lab, const Plan& plan, RunResults& results)
        : lab_(lab)
        , plan_(plan)
        , results_(results) {}

    void scenarios() {
        startRig();
        fill(plan_.redirectLevels.front());
        results_.redirectLevels.push_back(level());
        flowRate("start");
        history();
        conntrackLevels();
        for (std::size_t i = 1; i < plan_.redirectLevels.size(); ++i) {
            const std::size_t target = plan_.redirectLevels[i];
            fill(target);
            results_.redirectLevels.push_back(level());
            if (i + 1 < plan_.redirectLevels.size()) {
                // Teardown times at the smaller levels show how they grow with the size.
                teardown(TeardownKind::CloseSession);
                fill(target);
            }
        }
        const std::size_t top = plan_.redirectLevels.back();
        flowRate(fmt::format("{} redirects", formatCount(top)));
        teardown(TeardownKind::CloseSession);
        fill(top);
        teardown(TeardownKind::Disconnect);
        filler_ = newFiller();
        fill(plan_.redirectLevels.front());
        flowRate("after the teardowns");
        results_.notes.push_back(fmt::format(
            "fwxd's VmRSS at the end, back at {} active redirects: {:.1f} MiB{}.",
            formatCount(rig_->activeRedirects()), static_cast<double>(rig_->rssKiB()) / 1024.0,
            restarts_ == 0 ? ""
                           : fmt::format(" (a fwxd started after the {}. restart)", restarts_)));
    }

    std::string fwxdLogTail(std::size_t lines) const {
        return rig_ ? tail(rig_->fwxdLog(), lines) : std::string();
    }

private:
    std::unique_ptr<RedirectFiller> newFiller() const {
        return std::make_unique<RedirectFiller>(rig_->busAddress(),
                                                test::Lab::serverAddress(test::Family::V4),
                                                plan_.fillChunk, plan_.fillFlags);
    }

    void startRig() {
        progress("starting a private bus and fwxd for the scale run");
        rig_ = std::make_unique<Rig>(lab_, plan_.clients);
        base_ = rig_->activeRedirects();
        baseElements_ = fwxdElementCount();
        filler_ = newFiller();
    }

    // fwxd is still busy (it answers nothing while it works): a fresh one takes over.
    void restartRig() {
        filler_.reset();
        rig_.reset(); // kills fwxd (SIGKILL); the kernel drops its table with it
        ++restarts_;
        startRig();
    }

    void fill(std::size_t level) {
        if (level <= base_ + filler_->size()) {
            return;
        }
        const std::size_t before = rig_->activeRedirects();
        progress("filling to {} active redirects", formatCount(level));
        const FillResult fill = filler_->growTo(level - base_);
        const std::size_t after = rig_->activeRedirects();
        results_.fills.push_back(
            {fmt::format("redirects {} → {}", formatCount(before), formatCount(after)), fill.added,
             fill.requests, fill.seconds, fill.errors});
        progress("  {} redirects in {} requests, {:.1f} s", formatCount(fill.added),
                 formatCount(fill.requests), fill.seconds);
        if (!fill.complete) {
            results_.notes.push_back(fmt::format(
                "The filler could not reach {} active redirects: fwxd refused more at {} ({}). "
                "fwxd's log ends:\n\n```\n{}```",
                formatCount(level), formatCount(after), fmt::join(errorNames(fill.errors), ", "),
                tail(rig_->fwxdLog(), 4)));
            progress("{}", results_.notes.back());
        }
    }

    LevelResult level() {
        progress("measuring at {} active redirects, {} conntrack entries",
                 formatCount(rig_->activeRedirects()), formatCount(conntrackCount()));
        LevelResult result = measureLevel(*rig_, plan_.budget);
        printLevel(result);
        if (result.kernelPorts != result.redirects) {
            progress("  fwxd reports {} active redirects, the kernel's ports_v4 holds {} elements",
                     result.redirects, result.kernelPorts);
        }
        return result;
    }

    void flowRate(const std::string& when) {
        results_.flowRates.push_back(measureFlowRate(*rig_, when, plan_.flows, plan_.flowRounds));
        const FlowRate m = results_.flowRates.back().median();
        progress("new flows with {} redirects ({}): {:.0f}/s, {} of {} arrived",
                 formatCount(results_.flowRates.back().redirects), when, m.perSecond(), m.received,
                 m.sent);
    }

    void history() {
        progress("latency vs history: {} cycles", formatCount(plan_.historyCycles));
        results_.history = measureHistory(*rig_, plan_.historyCycles, plan_.historyWindow,
                                          plan_.historyLimitSeconds);
        const HistoryResult& h = *results_.history;
        progress("  {} cycles in {:.1f} s; request p50 first {} last {}", h.cycles, h.seconds,
                 formatMicroseconds(h.firstRequestUs.p50()),
                 formatMicroseconds(h.lastRequestUs.p50()));
        if (h.cycles < plan_.historyCycles) {
            results_.notes.push_back(fmt::format(
                "Latency vs history stopped at its time limit ({:.0f} s) after {} of {} cycles.",
                plan_.historyLimitSeconds, formatCount(h.cycles),
                formatCount(plan_.historyCycles)));
        }
    }

    void conntrackLevels() {
        ConntrackFiller entries;
        // The baseline again, right before the entries: side by side with them.
        results_.conntrackLevels.push_back(level());
        for (const std::size_t count : plan_.conntrackLevels) {
            progress("creating conntrack entries up to {}", formatCount(count));
            const std::size_t before = entries.size();
            const auto start = Clock::now();
            entries.growTo(count);
            const double took = std::chrono::duration<double>(Clock::now() - start).count();
            results_.fills.push_back(
                {fmt::format("conntrack entries {} → {}", formatCount(before), formatCount(count)),
                 count - before,
                 0,
                 took,
                 {}});
            results_.conntrackLevels.push_back(level());
        }
        progress("deleting {} conntrack entries", formatCount(entries.size()));
    }

    void teardown(TeardownKind kind) {
        progress("tearing down {} redirects: {}", formatCount(rig_->activeRedirects()),
                 nameOf(kind));
        const TeardownResult t = measureTeardown(*rig_, *filler_, kind, base_, baseElements_,
                                                 plan_.teardownLimitSeconds);
        results_.teardowns.push_back(t);
        progress("  fwxd back after {}{}, kernel after {}{}; longest forwarding gap {:.1f} ms "
                 "({} / {} datagrams)",
                 formatMicroseconds(t.fwxdSeconds * 1e6), t.fwxdDone ? "" : " (NOT finished)",
                 formatMicroseconds(t.kernelSeconds * 1e6), t.kernelDone ? "" : " (NOT finished)",
                 t.probe.longestArrivalGapMs, t.probe.received, t.probe.sent);
        if (kind == TeardownKind::Disconnect) {
            filler_ = t.completed() ? newFiller() : nullptr;
        }
        if (!t.completed()) {
            results_.notes.push_back(fmt::format(
                "Teardown of {} redirects ({}) not finished after {:g} s{}: fwxd {}, the "
                "kernel's sets {}. fwxd was replaced by a fresh one for what followed. Its log "
                "ends:\n\n```\n{}```",
                formatCount(t.redirects), nameOf(kind), t.limitSeconds,
                t.closeError.empty() ? "" : " (Close: " + t.closeError + ")",
                t.fwxdDone ? "was done" : "had not answered or not yet reported them gone",
                t.kernelDone ? "were back" : "still held some of them", tail(rig_->fwxdLog(), 4)));
            progress("{}", results_.notes.back());
            restartRig();
        }
    }

    const test::Lab& lab_;
    const Plan& plan_;
    RunResults& results_;
    std::unique_ptr<Rig> rig_;
    std::unique_ptr<RedirectFiller> filler_;
    std::size_t base_ = 0;
    std::size_t baseElements_ = 0;
    std::size_t restarts_ = 0;
};

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
    ScaleRun scale(lab, plan, results);
    try {
        scale.scenarios();
    } catch (const Interrupted&) {
        throw;
    } catch (const std::exception& e) {
        results.notes.push_back(
            fmt::format("The run ended early: {}. fwxd's log ends:\n\n```\n{}```", e.what(),
                        scale.fwxdLogTail(12)));
        throw;
    }
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
