#pragma once

#include <array>
#include <string>

#include <sys/types.h>

namespace fwx::daemon {

// What a bus caller may do with fwxd. Each permission is a polkit action
// (systemd/org.fwxd.policy); the [Access] lists of fwxd.conf grant them first, and polkit
// is asked only for what the lists do not grant.
enum class Permission {
    Redirect,         // org.fwxd.redirect: sessions, redirects, reading the service's state
    RegisterProtocol, // org.fwxd.register-protocol: protocols without a kernel helper
    Admin,            // org.fwxd.admin: helpers, filters, other users' protocols
};

inline constexpr std::array<Permission, 3> AllPermissions{
    Permission::Redirect, Permission::RegisterProtocol, Permission::Admin};

// "org.fwxd.redirect", ...
const char* polkitAction(Permission permission);

// One caller's permissions and, for refusals, what polkit said of those it did not grant.
// An administrator's grant includes the others: AdminUsers are users too.
class Grants {
public:
    explicit Grants(uid_t uid)
        : uid_(uid) {}

    uid_t uid() const noexcept { return uid_; }
    bool holds(Permission permission) const;
    bool any() const;
    void grant(Permission permission);
    // Why polkit did not grant it ("polkit is not on the bus", ...), for the refusal.
    void polkitRefused(Permission permission, std::string why);

    // Each throws fwx::Error(AccessDenied) saying who was refused and what would allow them.
    void require(Permission permission, const std::string& what) const;
    // Any permission: enough to read what fwxd reports.
    void requireAny(const std::string& what) const;
    // Sessions and actions belong to the bus connection that opened them: only it, or root
    // (uid 0, an admin with fwxctl), may change them; not another connection of the same
    // uid, not AdminUsers.
    void requireOwner(const std::string& caller, const std::string& owner,
                      const std::string& what) const;
    // Protocols belong to a uid, whatever connection it calls from: only that user or an
    // administrator may change them.
    void requireUserOwns(uid_t owner, const std::string& what) const;

private:
    std::string polkitNote(Permission permission) const;

    uid_t uid_;
    std::array<bool, AllPermissions.size()> held_{};
    std::array<std::string, AllPermissions.size()> polkit_;
};

} // namespace fwx::daemon
