#include "daemon/Callers.hpp"

#include "daemon/BusErrors.hpp"
#include "error/Error.hpp"

namespace fwx::daemon {

Callers::Callers(sdbus::IConnection& connection)
    : match_(connection.addMatch("type='method_call'",
                                 [this](sdbus::Message& message) { record(message); })) {
}

void Callers::record(sdbus::Message& message) {
    message_ = message;
}

Caller Callers::current() {
    if (!message_) {
        throw toBusError(Error(ErrorCode::AccessDenied, "the caller of this call is unknown"));
    }
    Caller caller{message_->getSender(), 0};
    const auto cached = uids_.find(caller.name);
    if (cached != uids_.end()) {
        caller.uid = cached->second;
        return caller;
    }
    caller.uid = message_->getCredsUid();
    uids_.emplace(caller.name, caller.uid);
    return caller;
}

} // namespace fwx::daemon
