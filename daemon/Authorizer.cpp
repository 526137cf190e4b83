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

void Authorizer::check(uid_t uid, const std::string& what) const {
    if (!allows(uid)) {
        throw Error(ErrorCode::AccessDenied,
                    fmt::format("uid {} may not {}: not root, not in AllowedUsers or AdminUsers "
                                "and in none of AllowedGroups or AdminGroups",
                                uid, what));
    }
}

void Authorizer::checkAdmin(uid_t uid, const std::string& what) const {
    check(uid, what);
    if (!isAdmin(uid)) {
        throw Error(ErrorCode::AccessDenied,
                    fmt::format("uid {} may not {}: that is an administrator's act (root, "
                                "AdminUsers or AdminGroups)",
                                uid, what));
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

void Authorizer::checkUserOwns(uid_t uid, uid_t owner, const std::string& what) const {
    check(uid, what);
    if (uid != owner && !isAdmin(uid)) {
        throw Error(ErrorCode::AccessDenied,
                    fmt::format("uid {} may not {}: it belongs to uid {} (only that user or an "
                                "administrator may)",
                                uid, what, owner));
    }
}

} // namespace fwx::daemon
