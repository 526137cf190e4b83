// The network the net integration tests run against, set up once by main() in the test
// binary's private namespace: lo up, and one interface (kInterface) with 192.0.2.1/24,
// 192.0.2.3/24, 192.0.2.4/24 and 2001:db8::1/64.
#pragma once

#include <gtest/gtest.h>

namespace fwx::net::test {

inline constexpr const char* kInterface = "fwx0";

// Fails with the command that failed and how.
::testing::AssertionResult setUpTestNetwork();

} // namespace fwx::net::test
