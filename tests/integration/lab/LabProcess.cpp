#include "lab/LabProcess.hpp"

#include "lab/FirewallNetns.hpp"
#include "lab/Netns.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <system_error>

#include <unistd.h>

namespace fwx::test {

namespace {

[[noreturn]] void refuse(const char* why) {
    std::fprintf(stderr, "integration tests need root and network namespaces: %s\n", why);
    std::exit(EXIT_FAILURE);
}

} // namespace

void becomeLabFirewall() {
    if (::geteuid() != 0) {
        refuse("Operation not permitted (not running as root; try sudo)");
    }
    try {
        enterFirewallNetns();
    } catch (const std::system_error& e) {
        refuse(e.what());
    }
    try {
        Netns::removeStale();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "warning: cleaning up stale lab namespaces: %s\n", e.what());
    }
}

} // namespace fwx::test
