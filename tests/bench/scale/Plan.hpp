// fwx::bench::Plan: what a scale run measures, and how long each part may take.
#pragma once

#include "Scenarios.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fwx::bench {

struct Plan {
    std::vector<std::size_t> redirectLevels{10, 1'000, 10'000, 100'000};
    std::vector<std::size_t> conntrackLevels{100'000, 500'000};
    std::size_t clients = 8;
    // The filler's requests: the largest a client may make (MaxPortsPerRequest), single use,
    // as a proxy's data connections are.
    std::size_t fillChunk = 1024;
    std::uint32_t fillFlags = 0;
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

} // namespace fwx::bench
