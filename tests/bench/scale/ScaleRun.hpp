// fwx::bench::runScale: a whole scale run against the lab, in the order the report reads:
// fwxd's limits on fresh daemons, then requests at each scale, history, conntrack entries,
// memory, new flows and teardowns on the run's own fwxd (replaced by a fresh one when a
// teardown leaves it busy past its time limit).
#pragma once

#include "Plan.hpp"
#include "Report.hpp"

namespace fwx::bench {

// Fills results as it goes: what was measured before an exception stays there, and the
// exception's note says where it ended. Throws Interrupted on a stop signal.
void runScale(const Plan& plan, RunResults& results);

} // namespace fwx::bench
