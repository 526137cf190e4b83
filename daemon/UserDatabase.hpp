#pragma once

#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace fwx::daemon {

// Who users and groups are, as NSS says (getpwnam_r & co). An interface so the
// authorization logic can be tested without real accounts.
class UserDatabase {
public:
    virtual ~UserDatabase() = default;
    virtual std::optional<uid_t> userId(const std::string& name) = 0;
    virtual std::optional<gid_t> groupId(const std::string& name) = 0;
    // The user's primary and supplementary groups; empty for an unknown uid.
    virtual std::vector<gid_t> groupsOf(uid_t uid) = 0;
};

// The real one, through NSS.
class SystemUserDatabase final : public UserDatabase {
public:
    std::optional<uid_t> userId(const std::string& name) override;
    std::optional<gid_t> groupId(const std::string& name) override;
    std::vector<gid_t> groupsOf(uid_t uid) override;
};

} // namespace fwx::daemon
