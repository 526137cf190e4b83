// fwx::test::soak invariants: after every step of the soak,
//  - fwxd's objects say what the model says: the sessions and actions the soak made and has
//    not ended, each with the arguments it was made with, in a state its history allows;
//  - the kernel holds exactly what fwxd's objects imply: every element of every set and map
//    of table inet fwxd, the single-use limit objects, the helpers, the conntrack
//    expectations, and the count in ActiveRedirects;
//  - each owner got the Expired signals its actions' ends call for, never two for one action.
// What the kernel or fwxd holds that no live action, session or client accounts for is a
// residue.
#pragma once

#include "DaemonView.hpp"
#include "KernelView.hpp"
#include "SoakModel.hpp"

#include <map>
#include <string>
#include <vector>

namespace fwx::test::soak {

struct Findings {
    std::vector<std::string> problems; // anything that is not as it must be
    std::vector<std::string> residues; // what nothing live accounts for

    bool clean() const noexcept { return problems.empty() && residues.empty(); }
    // One line each, residues first.
    std::string describe() const;
};

// The Expired signals each client received: client id -> action path -> reasons in order.
using ReceivedExpiries = std::map<int, std::map<std::string, std::vector<std::string>>>;

struct Observed {
    const DaemonView& daemon;
    const KernelView& kernel;
    const ReceivedExpiries& expiries;
};

// Every invariant; the margin is how close to a TIMEOUT deadline either outcome is right.
Findings check(const SoakModel& model, const Observed& observed, milliseconds margin);

} // namespace fwx::test::soak
