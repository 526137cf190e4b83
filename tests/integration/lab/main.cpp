// The main() of every integration test binary. The test process is the firewall: it moves
// into a network namespace of its own before anything else, and Lab builds the client
// and server namespaces around it. Without root or namespaces the tests fail loudly;
// they never skip.
#include "lab/LabProcess.hpp"

#include <gtest/gtest.h>

int main(int argc, char** argv) {
    fwx::test::becomeLabFirewall();
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
