#include "daemon/Authorizer.hpp"

#include "error/Error.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace fwx::daemon {

namespace {
template <typename Id> std::optional<Id> numericId(const std::string& text) {
    Id value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}
} // namespace

Authorizer::Authorizer(const std::vector<std::string>& allowedUsers,
                       const std::vector<std::string>& allowedGroups, UserDatabase& users)
    : database_(users) {
    for (const std::string& user : allowedUsers) {
        auto uid = numericId<uid_t>(user);
        if (!uid) {
            uid = users.userId(user);
        }
        if (!uid) {
            throwInvalid("AllowedUsers: no user \"" + user + "\"");
        }
        users_.insert(*uid);
    }
    for (const std::string& group : allowedGroups) {
        auto gid = numericId<gid_t>(group);
        if (!gid) {
            gid = users.groupId(group);
        }
        if (!gid) {
            throwInvalid("AllowedGroups: no group \"" + group + "\"");
        }
        groups_.insert(*gid);
    }
}

bool Authorizer::allows(uid_t uid) const {
    if (uid == 0 || users_.contains(uid)) {
        return true;
    }
    if (groups_.empty()) {
        return false;
    }
    const std::vector<gid_t> memberOf = database_.groupsOf(uid);
    return std::any_of(memberOf.begin(), memberOf.end(),
                       [this](gid_t gid) { return groups_.contains(gid); });
}

void Authorizer::check(uid_t uid, const std::string& what) const {
    if (!allows(uid)) {
        throw Error(ErrorCode::AccessDenied,
                    "uid " + std::to_string(uid) + " may not " + what +
                        ": not root, not in AllowedUsers and in none of AllowedGroups");
    }
}

void Authorizer::checkOwner(uid_t uid, const std::string& caller, const std::string& owner,
                            const std::string& what) const {
    check(uid, what);
    if (uid != 0 && caller != owner) {
        throw Error(ErrorCode::AccessDenied,
                    fmt::format("{} may not {}: it belongs to {} (only its owner or root may)",
                                caller, what, owner));
    }
}

} // namespace fwx::daemon
