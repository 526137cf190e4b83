#include "redirect/Action.hpp"

namespace fwx::redirect {

// The strings are part of the D-Bus contract (Action1.State, Action1.Expired).

std::string_view toString(ActionState state) {
    switch (state) {
    case ActionState::Pending:
        return "pending";
    case ActionState::Established:
        return "established";
    case ActionState::Consumed:
        return "consumed";
    case ActionState::Expired:
        return "expired";
    case ActionState::Cancelled:
        return "cancelled";
    }
    return "unknown";
}

std::string_view toString(EndReason reason) {
    switch (reason) {
    case EndReason::Timeout:
        return "timeout";
    case EndReason::Cancelled:
        return "cancelled";
    case EndReason::SessionClosed:
        return "session-closed";
    case EndReason::OwnerVanished:
        return "owner-vanished";
    case EndReason::PrimaryClosed:
        return "primary-closed";
    }
    return "unknown";
}

} // namespace fwx::redirect
