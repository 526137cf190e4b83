#pragma once

#include "redirect/Owner.hpp"
#include "redirect/Redirect.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fwx::redirect {

using ActionId = std::uint64_t;
using SessionId = std::uint64_t;
// fwxd's number for one connection through an action (Established and Closed carry it):
// counted from 1 and never reused while fwxd runs.
using ConnectionId = std::uint64_t;

// Where an action is in its life (the Action1.State property).
enum class ActionState {
    Pending,     // the permission is open and unused
    Established, // a connection went through and the target answered
    Consumed,    // used, and no further connection may start
    Expired,     // the permission lapsed unused
    Cancelled,   // withdrawn (Cancel, Close, its owner or its primary went) while open
};
std::string_view toString(ActionState state);

// Why an action's permission ended early (the Action1.Expired signal's reason).
enum class EndReason { Timeout, Cancelled, SessionClosed, OwnerVanished, PrimaryClosed };
std::string_view toString(EndReason reason);

// One redirected port of a RedirectConnections call: what ISA calls a firewall action.
struct Action {
    ActionId id = 0;
    SessionId session = 0;
    GroupId group = 0;
    Redirect redirect;
    std::uint32_t flags = 0;
    // The registered protocol the requester named; "" for none. Its connect filters hear
    // of the action and its connections.
    std::string protocolGuid;
    ActionState state = ActionState::Pending;
    // With flags::Timeout: when the daemon decides whether the permission was used.
    std::optional<std::chrono::steady_clock::time_point> deadline;
    // The same moment as wall-clock time for clients; none: never.
    std::optional<std::chrono::system_clock::time_point> expiresAt;
    std::uint32_t connections = 0;
    // Its session's owner; the name is cleared when the owner leaves the bus (nobody is
    // left to tell).
    Owner owner;
    // Counted against the owner's MaxActionsPerClient/MaxActionsPerUser: while it permits.
    bool counted = true;
    // Its kernel state was withdrawn while connections through it lived: the Service holds
    // its port for them until the last one ends.
    bool portHeld = false;

    // Whether the kernel may still admit a connection through it.
    bool permits() const noexcept {
        return state == ActionState::Pending ||
               (state == ActionState::Established && (flags & flags::AllowMultiple) != 0);
    }
};

// Which action a notice is about and where it goes: the parts every notice about an
// action shares.
struct ActionNews {
    ActionId action = 0;
    SessionId session = 0;
    GroupId group = 0;
    std::string owner; // its owner's unique bus name; "" once the owner left the bus
};

// What the bus side must tell the session owner: an action's permission ended, and why
// (the Expired signal). Returned by every SessionRegistry call that ends permissions.
struct ActionEnded : ActionNews {
    EndReason reason = EndReason::Timeout;
    // False for actions whose permission was already used up: they end silently.
    bool notify = true;
};

// An action left fwxd's books: it admits nothing more and every connection through it has
// ended (its last Closed was sent). Its object leaves the bus, and its owner is told (the
// Finished signal) unless notify is false: the owner left the bus, or the action ended
// together with its session (Close's answer says so).
struct ActionFinished : ActionNews {
    ActionState state = ActionState::Consumed;
    std::uint32_t connections = 0;
    bool notify = true;
};

} // namespace fwx::redirect
