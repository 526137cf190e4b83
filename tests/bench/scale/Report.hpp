// fwx::bench: the markdown tables of a scale run, and the verdict on each target of the
// issue (docs/benchmarks.md, section "fwxd at scale").
#pragma once

#include "ConntrackFiller.hpp"
#include "Limits.hpp"
#include "RedirectFiller.hpp"
#include "Scenarios.hpp"

#include <optional>
#include <string>
#include <vector>

namespace fwx::bench {

struct FillStep {
    std::string what; // "redirects 10 -> 1,000", "conntrack 0 -> 100,000"
    std::size_t added = 0;
    std::size_t requests = 0; // 0 for conntrack entries
    double seconds = 0;
    std::map<std::string, std::size_t> errors;
};

struct RunResults {
    std::size_t clients = 0;
    Budget budget;
    std::vector<LargeRequest> largeRequests;
    std::optional<SingleUseCapacity> singleUse;
    std::size_t fillChunk = 0;
    std::uint32_t fillFlags = 0;
    std::vector<LevelResult> redirectLevels;  // 0 unrelated conntrack entries
    std::vector<LevelResult> conntrackLevels; // at the lowest redirect level
    std::vector<FlowRateResult> flowRates;
    std::vector<TeardownResult> teardowns;
    std::optional<HistoryResult> history;
    std::vector<FillStep> fills;
    std::vector<std::string> notes; // what went wrong or is worth knowing
    double seconds = 0;
};

// Every table, then the targets; markdown, no heading of its own.
std::string markdown(const RunResults& results);

// "850 µs", "12.3 ms", "2.41 s"
std::string formatMicroseconds(double us);
// "100,000"
std::string formatCount(std::size_t n);

} // namespace fwx::bench
