// The parts of the invariants that compare the model with fwxd's objects and signals, and
// with the connections it holds open.
#pragma once

#include "Invariants.hpp"

namespace fwx::test::soak {

void checkObjects(const SoakModel& model, const DaemonView& daemon, SteadyTime now,
                  milliseconds margin, Findings& findings);
void checkSignals(const SoakModel& model, const ReceivedExpiries& received, Findings& findings);
void checkFinished(const SoakModel& model, const DaemonView& daemon,
                   const ReceivedFinishes& received, Findings& findings);
// The connections the soak holds open must live on in conntrack, whatever became of their
// actions: fwxd cuts none (a port that stays held for them is never handed out again).
void checkHeldConnections(const SoakModel& model, const KernelView& kernel, Findings& findings);

} // namespace fwx::test::soak
