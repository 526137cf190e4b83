#pragma once

#include "config/Config.hpp"
#include "daemon/Grants.hpp"
#include "daemon/UserDatabase.hpp"

#include <set>
#include <string>
#include <vector>

#include <sys/types.h>

namespace fwx::daemon {

// The [Access] lists of fwxd.conf: what they grant a bus caller (its uid, as the bus driver
// vouches for it). Users: root, a uid listed in AllowedUsers or AdminUsers, or a member of
// AllowedGroups or AdminGroups. Administrators (root, AdminUsers, AdminGroups) may also
// attach kernel helpers and filters, remove protocols of other uids and hold more
// protocols. What the lists do not grant, polkit may (CallerGrants).
class Authorizer {
public:
    // Users and groups are names or numeric ids. Names are resolved once, here; an unknown
    // one throws fwx::Error(InvalidArgument) naming it and its key, so a typo stops the
    // daemon at start instead of silently locking a client out.
    Authorizer(const config::AccessSettings& access, UserDatabase& users);

    bool allows(uid_t uid) const;
    bool isAdmin(uid_t uid) const;
    // What the lists grant uid: users may redirect and register protocols, administrators
    // also act as one.
    Grants grantsOf(uid_t uid) const;

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
