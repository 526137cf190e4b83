#pragma once

#include "daemon/Callers.hpp"
#include "daemon/Log.hpp"
#include "daemon/ObjectPaths.hpp"
#include "redirect/Action.hpp"

#include <string>
#include <utility>
#include <vector>

namespace fwx::daemon {

// The journal fields of fwxd's objects and callers, for log::Fields (the log itself knows
// nothing of the bus). Set member by member: GCC 12 warns about designated initializers
// that leave members out.

// A method's caller.
inline log::Fields callerFields(const Caller& caller, std::string protocolGuid = {}) {
    log::Fields fields;
    fields.callerUid = caller.uid;
    fields.caller = caller.name;
    fields.protocolGuid = std::move(protocolGuid);
    return fields;
}

// A session, and the caller who acted on it.
inline log::Fields sessionFields(redirect::SessionId session, const Caller& caller) {
    log::Fields fields = callerFields(caller);
    fields.session = sessionPath(session);
    return fields;
}

inline std::vector<std::string> actionPaths(const std::vector<redirect::ActionId>& ids) {
    std::vector<std::string> paths;
    paths.reserve(ids.size());
    for (const redirect::ActionId id : ids) {
        paths.push_back(actionPath(id));
    }
    return paths;
}

// Something that happened to a session's actions without a caller (a deadline, a kernel
// event): CALLER is the session's owner.
inline log::Fields ownedFields(redirect::SessionId session, std::vector<std::string> actions,
                               const std::string& owner) {
    log::Fields fields;
    fields.session = sessionPath(session);
    fields.actions = std::move(actions);
    fields.caller = owner;
    return fields;
}

} // namespace fwx::daemon
