#include "lab/FirewallNetns.hpp"

#include <atomic>
#include <cerrno>
#include <system_error>

#include <sched.h>
#include <sys/stat.h>

namespace fwx::test {

namespace {

// The inode of the namespace enterFirewallNetns() made; 0 before.
std::atomic<ino_t> firewallInode{0};

ino_t currentNetnsInode() {
    struct stat st {};
    if (::stat("/proc/thread-self/ns/net", &st) != 0) {
        throw std::system_error(errno, std::generic_category(), "stat /proc/thread-self/ns/net");
    }
    return st.st_ino;
}

} // namespace

void enterFirewallNetns() {
    if (::unshare(CLONE_NEWNET) != 0) {
        throw std::system_error(errno, std::generic_category(), "unshare(CLONE_NEWNET)");
    }
    firewallInode = currentNetnsInode();
}

bool inFirewallNetns() {
    const ino_t inode = firewallInode;
    return inode != 0 && inode == currentNetnsInode();
}

} // namespace fwx::test
