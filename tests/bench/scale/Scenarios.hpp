// fwx::bench: the measurements of a scale run, each against a Rig in a given state.
#pragma once

#include "ClientPool.hpp"
#include "FlowRate.hpp"
#include "ForwardingProbe.hpp"
#include "Percentiles.hpp"
#include "RedirectFiller.hpp"
#include "Rig.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace fwx::bench {

// How long each measurement runs (a slow daemon gets fewer samples, not more time).
struct Budget {
    double pingSeconds = 1.0;
    double requestSeconds = 2.0;
    std::size_t minCyclesAlone = 3; // a single client does at least this many cycles
};

// Requests at one scale: the bare round trip and RedirectConnections + Cancel, for N = 1
// and 16 targets, from 1 and from 8 clients.
struct LevelResult {
    std::size_t redirects = 0;   // ActiveRedirects before the measurement
    std::size_t kernelPorts = 0; // elements of ports_v4 in the kernel: should be the same
    std::size_t conntrack = 0;   // entries in the firewall's conntrack table
    std::size_t rssKiB = 0;      // fwxd's VmRSS before the measurement
    LoadResult ping1;
    LoadResult ping8;
    std::vector<LoadResult> requests; // (1 client, N=1), (8, 1), (1, 16), (8, 16)
    double seconds = 0;               // the whole level took
};
LevelResult measureLevel(Rig& rig, const Budget& budget);

struct FlowRateResult {
    std::string when;
    std::size_t redirects = 0;
    std::vector<FlowRate> rounds;
    FlowRate median() const; // by rate
};
FlowRateResult measureFlowRate(Rig& rig, const std::string& when, std::size_t flows,
                               std::size_t rounds);

enum class TeardownKind { CloseSession, Disconnect };
struct TeardownResult {
    TeardownKind kind = TeardownKind::CloseSession;
    std::size_t redirects = 0;          // ActiveRedirects before
    std::size_t elements = 0;           // elements in fwxd's sets before
    std::optional<double> replySeconds; // Close answered (CloseSession only)
    std::string closeError;             // Close's error reply, if any
    double fwxdSeconds = 0;             // until ActiveRedirects was back at the staying redirects
    double kernelSeconds = 0; // until fwxd's sets held only the staying redirects' elements
    bool fwxdDone = false;    // within the limit
    bool kernelDone = false;
    double limitSeconds = 0;
    ProbeWindow probe;
    std::size_t rssBeforeKiB = 0;
    std::size_t rssAfterKiB = 0; // 0 if fwxd did not answer in time
    bool completed() const noexcept { return fwxdDone && kernelDone; }
};
// Tears down everything filler holds, the way kind says, while a ForwardingProbe runs, and
// waits at most limitSeconds for fwxd and the kernel to be back at expectedRedirects and
// expectedElements. fwxd answers nothing while it works: the kernel's sets are watched from
// this thread, fwxd (Close, then ActiveRedirects) from another. For Disconnect the filler
// is unusable afterwards; when the result is not completed(), fwxd may still be busy.
TeardownResult measureTeardown(Rig& rig, RedirectFiller& filler, TeardownKind kind,
                               std::size_t expectedRedirects, std::size_t expectedElements,
                               double limitSeconds);

// OpenSession + RedirectConnections(N = 1) + Close, cycles times (or until the time
// limit), by one client.
struct HistoryResult {
    std::size_t cycles = 0;
    std::size_t planned = 0;
    double seconds = 0;
    std::size_t window = 0; // cycles compared at each end
    Percentiles firstCycleUs;
    Percentiles lastCycleUs;
    Percentiles firstRequestUs;
    Percentiles lastRequestUs;
    std::size_t errors = 0;
};
HistoryResult measureHistory(Rig& rig, std::size_t cycles, std::size_t window, double limitSeconds);

} // namespace fwx::bench
