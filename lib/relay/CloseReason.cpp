#include "relay/CloseReason.hpp"

namespace fwx::relay {

std::string_view toString(CloseReason reason) {
    switch (reason) {
    case CloseReason::Finished:
        return "finished";
    case CloseReason::Reset:
        return "reset";
    case CloseReason::Refused:
        return "refused";
    case CloseReason::ConnectFailed:
        return "connect-failed";
    case CloseReason::IdleTimeout:
        return "idle-timeout";
    case CloseReason::Cancelled:
        return "cancelled";
    case CloseReason::Failed:
        return "failed";
    }
    return "failed";
}

} // namespace fwx::relay
