#pragma once

#include "error/Error.hpp"
#include "redirect/Action.hpp"
#include "redirect/Flow.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace fwx::redirect {

// A connection through an action came up or went away: the Established and Closed signals.
struct ConnectionNotice {
    enum class Kind { Established, Closed };
    Kind kind = Kind::Established;
    ActionId action = 0;
    ConnectionId connection = 0;
    GroupId group = 0;     // the action's: its requester's Context
    SessionId session = 0; // the action's, which may be gone by the time of Closed
    std::string owner;
    std::string protocolGuid; // the action's: its connect filters hear of it too
    Flow flow;                // Closed: with the counters conntrack had when the connection ended
    // Closed: from established to closed.
    std::chrono::microseconds duration{0};
};

// What the bus side must tell session owners after the registry handled a call, a kernel
// event or a deadline, in this order: connections, ended permissions, the actions whose
// State, Connections or ExpiresAt changed (and that still exist), then the actions that
// left. errors: kernel clean-ups that failed on the way, for the log (what they left is
// retried, see Service::retire).
struct Notices {
    std::vector<ConnectionNotice> connections;
    std::vector<ActionEnded> ended;
    std::vector<ActionId> changed;
    std::vector<ActionFinished> finished;
    std::vector<Error> errors;

    bool empty() const noexcept {
        return connections.empty() && ended.empty() && changed.empty() && finished.empty() &&
               errors.empty();
    }
};

} // namespace fwx::redirect
