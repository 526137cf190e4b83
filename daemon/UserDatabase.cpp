#include "daemon/UserDatabase.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

namespace fwx::daemon {

namespace {
constexpr std::size_t LookupBuffer = 16384;
}

std::optional<uid_t> SystemUserDatabase::userId(const std::string& name) {
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buffer(LookupBuffer);
    if (getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 ||
        found == nullptr) {
        return std::nullopt;
    }
    return found->pw_uid;
}

std::optional<gid_t> SystemUserDatabase::groupId(const std::string& name) {
    group entry{};
    group* found = nullptr;
    std::vector<char> buffer(LookupBuffer);
    if (getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 ||
        found == nullptr) {
        return std::nullopt;
    }
    return found->gr_gid;
}

std::vector<gid_t> SystemUserDatabase::groupsOf(uid_t uid) {
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buffer(LookupBuffer);
    if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) {
        return {};
    }
    int count = 32;
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    // getgrouplist() says how many there are when the buffer is too small.
    while (getgrouplist(found->pw_name, found->pw_gid, groups.data(), &count) < 0) {
        groups.resize(static_cast<std::size_t>(count));
    }
    groups.resize(static_cast<std::size_t>(count));
    return groups;
}

} // namespace fwx::daemon
