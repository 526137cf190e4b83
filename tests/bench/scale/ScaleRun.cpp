#include "ScaleRun.hpp"

#include "ConntrackFiller.hpp"
#include "Limits.hpp"
#include "NftElementCount.hpp"
#include "Progress.hpp"
#include "RedirectFiller.hpp"
#include "Rig.hpp"
#include "Scenarios.hpp"
#include "StopSignal.hpp"
#include "lab/Lab.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace fwx::bench {

namespace {

using Clock = std::chrono::steady_clock;

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

} // namespace

void runScale(const Plan& plan, RunResults& results) {
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

} // namespace fwx::bench
