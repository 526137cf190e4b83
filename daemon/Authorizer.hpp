#pragma once

#include "daemon/UserDatabase.hpp"

#include <set>
#include <string>
#include <vector>

#include <sys/types.h>

namespace fwx::daemon {

// Decides whether a bus caller (its uid, as the bus driver vouches for it) may use fwxd:
// root always, otherwise a uid listed in AllowedUsers or a member of AllowedGroups.
class Authorizer {
public:
    // Users and groups are names or numeric ids. Names are resolved once, here; an unknown
    // one throws fwx::Error(InvalidArgument) naming it, so a typo stops the daemon at start
    // instead of silently locking a client out.
    Authorizer(const std::vector<std::string>& allowedUsers,
               const std::vector<std::string>& allowedGroups, UserDatabase& users);

    bool allows(uid_t uid) const;
    // Throws fwx::Error(AccessDenied) saying who was refused and what would allow them.
    void check(uid_t uid, const std::string& what) const;
    // Sessions and actions belong to the bus connection that opened them: only it, or
    // root (an admin with fwxctl), may change them. Throws fwx::Error(AccessDenied).
    void checkOwner(uid_t uid, const std::string& caller, const std::string& owner,
                    const std::string& what) const;

private:
    std::set<uid_t> users_;
    std::set<gid_t> groups_;
    UserDatabase& database_;
};

} // namespace fwx::daemon
