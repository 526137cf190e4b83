#include "daemon/Callers.hpp"

#include "error/Error.hpp"

#include <cstdint>

namespace fwx::daemon {

Callers::Callers(sdbus::IConnection& connection)
    : busDriver_(sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus"))
    , match_(connection.addMatch("type='method_call'",
                                 [this](sdbus::Message& message) { record(message); })) {
}

void Callers::record(sdbus::Message& message) {
    sender_ = message.getSender();
}

Caller Callers::current() {
    if (sender_.empty()) {
        throw Error(ErrorCode::AccessDenied, "the caller of this call is unknown");
    }
    Caller caller{sender_, 0};
    const auto cached = uids_.find(caller.name);
    if (cached != uids_.end()) {
        caller.uid = cached->second;
        return caller;
    }
    std::uint32_t uid = 0;
    busDriver_->callMethod("GetConnectionUnixUser")
        .onInterface("org.freedesktop.DBus")
        .withArguments(caller.name)
        .storeResultsTo(uid);
    caller.uid = uid;
    uids_.emplace(caller.name, caller.uid);
    return caller;
}

} // namespace fwx::daemon
