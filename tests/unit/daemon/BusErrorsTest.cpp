#include "daemon/BusErrors.hpp"

#include <cerrno>

#include <gtest/gtest.h>

namespace fwx::daemon {
namespace {

TEST(BusErrors, EveryCodeHasItsNamedError) {
    const std::pair<ErrorCode, const char*> names[] = {
        {ErrorCode::InvalidArgument, "org.fwxd.Error.InvalidArgument"},
        {ErrorCode::AccessDenied, "org.fwxd.Error.AccessDenied"},
        {ErrorCode::QuotaExceeded, "org.fwxd.Error.QuotaExceeded"},
        {ErrorCode::PortsExhausted, "org.fwxd.Error.PortsExhausted"},
        {ErrorCode::UnknownProtocol, "org.fwxd.Error.UnknownProtocol"},
        {ErrorCode::NotSupported, "org.fwxd.Error.NotSupported"},
        {ErrorCode::Failed, "org.fwxd.Error.Failed"},
    };
    for (const auto& [code, name] : names) {
        EXPECT_EQ(busErrorName(code), name);
    }
}

TEST(BusErrors, MessageAndErrnoTextReachTheCaller) {
    try {
        translatingErrors([]() -> int {
            throw Error(ErrorCode::Failed, "nft: adding 1 element(s) of set ports_v4", EEXIST);
        });
        FAIL() << "nothing was thrown";
    } catch (const sdbus::Error& e) {
        EXPECT_EQ(e.getName(), "org.fwxd.Error.Failed");
        EXPECT_EQ(e.getMessage(), "nft: adding 1 element(s) of set ports_v4: File exists");
    }
}

TEST(BusErrors, UnexpectedExceptionsBecomeFailed) {
    try {
        translatingErrors([] { throw std::logic_error("oops"); });
        FAIL() << "nothing was thrown";
    } catch (const sdbus::Error& e) {
        EXPECT_EQ(e.getName(), "org.fwxd.Error.Failed");
        EXPECT_EQ(e.getMessage(), "internal error: oops");
    }
}

TEST(BusErrors, ResultsPassThrough) {
    EXPECT_EQ(translatingErrors([] { return 41000; }), 41000);
}

} // namespace
} // namespace fwx::daemon
