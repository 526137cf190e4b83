// fwx::test::soak invariants: after every step of the soak,
//  - fwxd's objects say what the model says: the sessions the soak opened and has not
//    closed; the actions that may still admit a connection or through which a connection
//    lives (as conntrack says), each with the arguments it was made with, in a state its
//    history allows; no other;
//  - the kernel holds exactly what fwxd's programmed actions imply: every element of every
//    set and map of table inet fwxd, the single-use limit objects, the helpers, the conntrack
//    expectations, and the count in ActiveRedirects; nothing for actions that were cancelled
//    or whose session ended, whose ports stay held for their live connections only;
//  - the connections the soak holds open are not cut;
//  - each owner got the Expired signals its actions' ends call for, never two for one action,
//    and one Finished(state, connections) per finished action unless it ended with its
//    session; no other client got it.
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
// The Finished signals each client received: client id -> action path -> "state,connections".
using ReceivedFinishes = std::map<int, std::map<std::string, std::vector<std::string>>>;

struct Observed {
    const DaemonView& daemon;
    const KernelView& kernel;
    const ReceivedExpiries& expiries;
    const ReceivedFinishes& finishes;
};

// Every invariant; the margin is how close to a TIMEOUT deadline either outcome is right.
// The model's connections must be up to date with observed.kernel (SoakDriver does it).
Findings check(const SoakModel& model, const Observed& observed, milliseconds margin);

} // namespace fwx::test::soak
