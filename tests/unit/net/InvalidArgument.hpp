// Test helper: the message of the fwx::Error(InvalidArgument) that a call throws.
#pragma once

#include "error/Error.hpp"

#include <string>

#include <gtest/gtest.h>

namespace fwx::net::test {

// Fails the test (and returns a marker) if call throws nothing or another error code.
template <typename Call> std::string invalidArgumentMessage(Call&& call) {
    try {
        call();
    } catch (const fwx::Error& error) {
        EXPECT_EQ(error.code(), fwx::ErrorCode::InvalidArgument) << error.what();
        EXPECT_EQ(error.errnum(), 0);
        return error.what();
    }
    ADD_FAILURE() << "no fwx::Error was thrown";
    return "(nothing thrown)";
}

} // namespace fwx::net::test
