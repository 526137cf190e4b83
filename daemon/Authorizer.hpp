#pragma once

#include "config/Config.hpp"
#include "daemon/UserDatabase.hpp"

#include <set>
#include <string>
#include <vector>

#include <sys/types.h>

namespace fwx::daemon {

// Decides what a bus caller (its uid, as the bus driver vouches for it) may do with fwxd.
// Users: root, a uid listed in AllowedUsers or AdminUsers, or a member of AllowedGroups or
// AdminGroups. Administrators (root, AdminUsers, AdminGroups) may also attach kernel
// helpers, remove protocols of other uids and hold more protocols; other clients' sessions
// and actions only root may change (checkOwner).
class Authorizer {
public:
    // Users and groups are names or numeric ids. Names are resolved once, here; an unknown
    // one throws fwx::Error(InvalidArgument) naming it and its key, so a typo stops the
    // daemon at start instead of silently locking a client out.
    Authorizer(const config::AccessSettings& access, UserDatabase& users);

    bool allows(uid_t uid) const;
    bool isAdmin(uid_t uid) const;
    // Throw fwx::Error(AccessDenied) saying who was refused and what would allow them.
    void check(uid_t uid, const std::string& what) const;
    void checkAdmin(uid_t uid, const std::string& what) const;
    // Sessions and actions belong to the bus connection that opened them: only it, or
    // root (uid 0, an admin with fwxctl), may change them; not another connection of the
    // same uid, not AdminUsers. Throws fwx::Error(AccessDenied).
    void checkOwner(uid_t uid, const std::string& caller, const std::string& owner,
                    const std::string& what) const;
    // Protocols belong to a uid, whatever connection it calls from: only that user or an
    // administrator may change them. Throws fwx::Error(AccessDenied).
    void checkUserOwns(uid_t uid, uid_t owner, const std::string& what) const;

private:
    // Listed users and members of listed groups.
    struct Principals {
        std::set<uid_t> users;
        std::set<gid_t> groups;
    };
    Principals resolve(const std::vector<std::string>& users, const char* usersKey,
                       const std::vector<std::string>& groups, const char* groupsKey) const;
    bool includes(const Principals& principals, uid_t uid) const;

    UserDatabase& database_;
    Principals allowed_;
    Principals admins_;
};

} // namespace fwx::daemon
