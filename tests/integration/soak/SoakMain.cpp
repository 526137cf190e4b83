// The main() of fwxd-soak: the lab's (the process becomes the firewall) plus the soak's own
// flags, which gtest leaves in argv.
#include "SoakOptions.hpp"
#include "lab/LabProcess.hpp"

#include <cstdlib>

#include <gtest/gtest.h>

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    if (!fwx::test::parseSoakOptions(argc, argv, fwx::test::soakOptions())) {
        return EXIT_FAILURE;
    }
    fwx::test::becomeLabFirewall();
    return RUN_ALL_TESTS();
}
