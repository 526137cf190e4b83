// fwx::test::waitUntil: for kernel state that changes without an event the lab can poll
// (a conntrack entry appearing, an nft element timing out).
#pragma once

#include "lab/Deadline.hpp"

#include <functional>
#include <string_view>

#include <gtest/gtest.h>

namespace fwx::test {

// Evaluates predicate until it is true or timeout has passed, waiting 1 ms after the first
// miss and doubling up to 50 ms between tries. The result converts to bool; on failure its
// message says what was awaited and for how long, so
//     ASSERT_TRUE(waitUntil([&] { ... }, 2s, "the conntrack entry of the client"));
// explains itself.
::testing::AssertionResult waitUntil(const std::function<bool()>& predicate, milliseconds timeout,
                                     std::string_view what);

} // namespace fwx::test
