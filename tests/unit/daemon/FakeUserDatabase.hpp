// fwx::daemon::FakeUserDatabase: users, groups and memberships of the daemon's unit tests.
#pragma once

#include "daemon/UserDatabase.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fwx::daemon {

class FakeUserDatabase final : public UserDatabase {
public:
    std::optional<uid_t> userId(const std::string& name) override {
        const auto it = users.find(name);
        return it == users.end() ? std::nullopt : std::optional<uid_t>(it->second);
    }
    std::optional<gid_t> groupId(const std::string& name) override {
        const auto it = groups.find(name);
        return it == groups.end() ? std::nullopt : std::optional<gid_t>(it->second);
    }
    std::vector<gid_t> groupsOf(uid_t uid) override {
        const auto it = membership.find(uid);
        return it == membership.end() ? std::vector<gid_t>{} : it->second;
    }

    std::map<std::string, uid_t> users{{"proxy", 1001}, {"sip", 1002}};
    std::map<std::string, gid_t> groups{{"fwx-clients", 500}};
    std::map<uid_t, std::vector<gid_t>> membership{{1003, {1003, 500}}, {1004, {1004}}};
};

} // namespace fwx::daemon
