// The part of the invariants that compares fwxd's objects with the kernel.
#pragma once

#include "Invariants.hpp"

namespace fwx::test::soak {

void checkKernel(const SoakModel& model, const DaemonView& daemon, const KernelView& kernel,
                 Findings& findings);

} // namespace fwx::test::soak
