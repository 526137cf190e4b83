// The parts of the invariants that compare the model with fwxd's objects and signals.
#pragma once

#include "Invariants.hpp"

namespace fwx::test::soak {

void checkObjects(const SoakModel& model, const DaemonView& daemon, SteadyTime now,
                  milliseconds margin, Findings& findings);
void checkSignals(const SoakModel& model, const DaemonView& daemon,
                  const ReceivedExpiries& received, Findings& findings);

} // namespace fwx::test::soak
