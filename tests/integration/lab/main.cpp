// The main() of every integration test binary. The test process is the firewall: it moves
// into a network namespace of its own before anything else, and Lab builds the client
// and server namespaces around it. Without root or namespaces the tests fail loudly;
// they never skip.
#include "lab/FirewallNetns.hpp"
#include "lab/Netns.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <system_error>

#include <gtest/gtest.h>
#include <unistd.h>

namespace {

[[noreturn]] void refuse(const char* why) {
    std::fprintf(stderr, "integration tests need root and network namespaces: %s\n", why);
    std::exit(EXIT_FAILURE);
}

} // namespace

int main(int argc, char** argv) {
    if (::geteuid() != 0) {
        refuse("Operation not permitted (not running as root; try sudo)");
    }
    try {
        fwx::test::enterFirewallNetns();
    } catch (const std::system_error& e) {
        refuse(e.what());
    }
    try {
        fwx::test::Netns::removeStale();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "warning: cleaning up stale lab namespaces: %s\n", e.what());
    }
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
