// The main() of the net integration tests: moves the whole process into a network
// namespace of its own before any test (or thread) runs, so that the tests may add
// interfaces, addresses and sockets without touching the host's network, and sets up
// the network they expect. Anything missing is a failure, never a skip: a test suite
// that quietly tests nothing is worse than one that fails.
#include "TestNetwork.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (geteuid() != 0) {
        std::fprintf(stderr, "net-queries: FAILED: must run as root: the tests create a network "
                             "namespace (CAP_SYS_ADMIN) and configure interfaces in it "
                             "(CAP_NET_ADMIN). Run the integration suite as root, e.g. "
                             "sudo meson test -C build --suite integration\n");
        return 1;
    }
    if (unshare(CLONE_NEWNET) != 0) {
        std::fprintf(stderr,
                     "net-queries: FAILED: unshare(CLONE_NEWNET) failed: %s. The tests need a "
                     "private network namespace (is this a container that forbids them?)\n",
                     std::strerror(errno));
        return 1;
    }
    if (const auto result = fwx::net::test::setUpTestNetwork(); !result) {
        std::fprintf(stderr, "net-queries: FAILED: setting up the test network: %s\n",
                     result.message());
        return 1;
    }
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
