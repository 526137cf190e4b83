#include "daemon/Grants.hpp"

#include "error/Error.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace fwx::daemon {

namespace {
std::size_t indexOf(Permission permission) {
    return static_cast<std::size_t>(permission);
}

constexpr const char* NotAUser = "not root, not in AllowedUsers or AdminUsers and in none of "
                                 "AllowedGroups or AdminGroups";
} // namespace

const char* polkitAction(Permission permission) {
    switch (permission) {
    case Permission::Redirect:
        return "org.fwxd.redirect";
    case Permission::RegisterProtocol:
        return "org.fwxd.register-protocol";
    case Permission::Admin:
        return "org.fwxd.admin";
    }
    return "org.fwxd.admin";
}

bool Grants::holds(Permission permission) const {
    return held_[indexOf(Permission::Admin)] || held_[indexOf(permission)];
}

bool Grants::any() const {
    return std::any_of(held_.begin(), held_.end(), [](bool held) { return held; });
}

void Grants::grant(Permission permission) {
    held_[indexOf(permission)] = true;
}

void Grants::polkitRefused(Permission permission, std::string why) {
    polkit_[indexOf(permission)] = std::move(why);
}

std::string Grants::polkitNote(Permission permission) const {
    const std::string& why = polkit_[indexOf(permission)];
    return why.empty() ? std::string() : "; " + why;
}

void Grants::require(Permission permission, const std::string& what) const {
    if (holds(permission)) {
        return;
    }
    if (permission == Permission::Admin && any()) {
        throw Error(ErrorCode::AccessDenied,
                    fmt::format("uid {} may not {}: that is an administrator's act (root, "
                                "AdminUsers or AdminGroups){}",
                                uid_, what, polkitNote(permission)));
    }
    throw Error(ErrorCode::AccessDenied, fmt::format("uid {} may not {}: {}{}", uid_, what,
                                                     NotAUser, polkitNote(permission)));
}

void Grants::requireAny(const std::string& what) const {
    if (!any()) {
        throw Error(ErrorCode::AccessDenied,
                    fmt::format("uid {} may not {}: {}{}", uid_, what, NotAUser,
                                polkitNote(Permission::Redirect)));
    }
}

void Grants::requireOwner(const std::string& caller, const std::string& owner,
                          const std::string& what) const {
    requireAny(what);
    if (uid_ != 0 && caller != owner) {
        throw Error(ErrorCode::AccessDenied,
                    fmt::format("{} may not {}: it belongs to {} (only its owner or root may)",
                                caller, what, owner));
    }
}

void Grants::requireUserOwns(uid_t owner, const std::string& what) const {
    require(Permission::RegisterProtocol, what);
    if (uid_ != owner && !holds(Permission::Admin)) {
        throw Error(ErrorCode::AccessDenied,
                    fmt::format("uid {} may not {}: it belongs to uid {} (only that user or an "
                                "administrator may)",
                                uid_, what, owner));
    }
}

} // namespace fwx::daemon
