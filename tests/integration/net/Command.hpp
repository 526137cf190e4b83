// Test helper: runs a program (ip, mostly) and says whether it exited with status 0.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace fwx::net::test {

// argv[0] is looked up in PATH, then in /usr/sbin and /sbin (where ip lives, and which a
// non-login root shell may not have in PATH). The failure message holds the command line
// and how it ended; the program's own stderr goes to the test log.
::testing::AssertionResult runCommand(const std::vector<std::string>& argv);

} // namespace fwx::net::test
