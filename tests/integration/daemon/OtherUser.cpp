#include "OtherUser.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <system_error>

#include <sys/syscall.h>
#include <unistd.h>

namespace fwx::test {

namespace {

// The effective uid and gid of the calling thread only; the real and saved ids stay root,
// which is what lets the thread return.
void setThreadIds(uid_t uid, gid_t gid) {
    const auto keep = static_cast<unsigned long>(-1);
    if (::syscall(SYS_setresgid, keep, static_cast<unsigned long>(gid), keep) != 0) {
        throw std::system_error(errno, std::generic_category(), "setresgid (this thread)");
    }
    if (::syscall(SYS_setresuid, keep, static_cast<unsigned long>(uid), keep) != 0) {
        throw std::system_error(errno, std::generic_category(), "setresuid (this thread)");
    }
}

class ThreadIds {
public:
    ThreadIds(uid_t uid, gid_t gid) { setThreadIds(uid, gid); }
    ~ThreadIds() {
        // The uid first: only root may set the gid back.
        const auto keep = static_cast<unsigned long>(-1);
        if (::syscall(SYS_setresuid, keep, 0UL, keep) != 0 ||
            ::syscall(SYS_setresgid, keep, 0UL, keep) != 0) {
            std::perror("fwx::test::connectAs: cannot become root again");
            std::abort();
        }
    }
    ThreadIds(const ThreadIds&) = delete;
    ThreadIds& operator=(const ThreadIds&) = delete;
};

} // namespace

std::unique_ptr<FwxdClient> connectAs(const std::string& busAddress, uid_t uid, gid_t gid) {
    const ThreadIds ids(uid, gid);
    return std::make_unique<FwxdClient>(busAddress);
}

} // namespace fwx::test
