// fwx::bench: Ctrl-C (SIGINT), SIGTERM and SIGHUP end a benchmark run in order.
//
// The first signal asks the run to stop: every loop of the benchmark checks
// throwIfStopped(), so the run unwinds and its destructors remove the namespaces, fwxd
// and the conntrack entries and put the sysctls back. A second signal ends the process at
// once after writing back the global sysctls (GlobalSysctl); the namespaces it leaves are
// removed by the next run (Netns::removeStale) and by tests/bench/run-scale-bench.
#pragma once

#include <stdexcept>

namespace fwx::bench {

class Interrupted : public std::runtime_error {
public:
    Interrupted()
        : std::runtime_error("interrupted by a signal") {}
};

// Installs the handlers (SA_RESTART; reset to the default in children at exec).
void installStopHandlers();
bool stopRequested() noexcept;
// Throws Interrupted once a stop was requested.
void throwIfStopped();

} // namespace fwx::bench
