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

Authorizer::Authorizer(const config::AccessSettings& access, UserDatabase& users)
    : database_(users)
    , allowed_(resolve(access.allowedUsers, "AllowedUsers", access.allowedGroups, "AllowedGroups"))
    , admins_(resolve(access.adminUsers, "AdminUsers", access.adminGroups, "AdminGroups")) {
}

Authorizer::Principals Authorizer::resolve(const std::vector<std::string>& users,
                                           const char* usersKey,
                                           const std::vector<std::string>& groups,
                                           const char* groupsKey) const {
    Principals principals;
    for (const std::string& user : users) {
        auto uid = numericId<uid_t>(user);
        if (!uid) {
            uid = database_.userId(user);
        }
        if (!uid) {
            throwInvalid(fmt::format("{}: no user \"{}\"", usersKey, user));
        }
        principals.users.insert(*uid);
    }
    for (const std::string& group : groups) {
        auto gid = numericId<gid_t>(group);
        if (!gid) {
            gid = database_.groupId(group);
        }
        if (!gid) {
            throwInvalid(fmt::format("{}: no group \"{}\"", groupsKey, group));
        }
        principals.groups.insert(*gid);
    }
    return principals;
}

bool Authorizer::includes(const Principals& principals, uid_t uid) const {
    if (principals.users.contains(uid)) {
        return true;
    }
    if (principals.groups.empty()) {
        return false;
    }
    const std::vector<gid_t> memberOf = database_.groupsOf(uid);
    return std::any_of(memberOf.begin(), memberOf.end(),
                       [&](gid_t gid) { return principals.groups.contains(gid); });
}

bool Authorizer::isAdmin(uid_t uid) const {
    return uid == 0 || includes(admins_, uid);
}

bool Authorizer::allows(uid_t uid) const {
    return isAdmin(uid) || includes(allowed_, uid);
}

Grants Authorizer::grantsOf(uid_t uid) const {
    Grants grants(uid);
    if (isAdmin(uid)) {
        grants.grant(Permission::Admin);
    } else if (includes(allowed_, uid)) {
        grants.grant(Permission::Redirect);
        grants.grant(Permission::RegisterProtocol);
    }
    return grants;
}

} // namespace fwx::daemon
