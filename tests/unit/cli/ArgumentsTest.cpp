#include "cli/Arguments.hpp"

#include "cli/ExitCodes.hpp"
#include "error/Error.hpp"

#include <gtest/gtest.h>

namespace {

using fwx::cli::ExitCode;
using fwx::cli::exitCodeFor;

TEST(ActionPath, NumberOrPath) {
    EXPECT_EQ(fwx::cli::actionPath("7"), "/org/fwxd/Firewall1/action/7");
    EXPECT_EQ(fwx::cli::actionPath("/org/fwxd/Firewall1/action/12"),
              "/org/fwxd/Firewall1/action/12");
}

TEST(ActionPath, AnythingElseIsRefused) {
    for (const char* text :
         {"", "x", "-1", "07", "1.5", "/org/fwxd/Firewall1/session/1",
          "/org/fwxd/Firewall1/action/", "/org/fwxd/Firewall1/action/x", "12345678901"}) {
        EXPECT_THROW(fwx::cli::actionPath(text), fwx::Error) << text;
        EXPECT_FALSE(fwx::cli::checkActionPath(text).empty()) << text;
    }
}

TEST(Checks, EmptyWhenValidMessageOtherwise) {
    EXPECT_EQ(fwx::cli::checkEndpoint("198.51.100.2:80"), "");
    EXPECT_EQ(fwx::cli::checkEndpoint("[2001:db8::1]:80"), "");
    EXPECT_NE(fwx::cli::checkEndpoint("198.51.100.2"), "");
    EXPECT_NE(fwx::cli::checkEndpoint("2001:db8::1:80").find("brackets"), std::string::npos);
    EXPECT_EQ(fwx::cli::checkAddress("fd71:1::1"), "");
    EXPECT_NE(fwx::cli::checkAddress("10.0.0.256"), "");
    EXPECT_EQ(fwx::cli::checkPrefix("203.0.113.0/24"), "");
    EXPECT_NE(fwx::cli::checkPrefix("203.0.113.1/24").find("host bits"), std::string::npos);
    EXPECT_EQ(fwx::cli::checkDuration("30s"), "");
    EXPECT_NE(fwx::cli::checkDuration("30x"), "");
}

TEST(Primary, TransportClientAndServer) {
    const fwx::cli::PrimaryArgument v4 =
        fwx::cli::parsePrimary("tcp,192.0.2.2:40000,198.51.100.1:21");
    EXPECT_EQ(v4.transport, fwx::net::Transport::Tcp);
    EXPECT_EQ(v4.client, fwx::net::Endpoint::parse("192.0.2.2:40000"));
    EXPECT_EQ(v4.server, fwx::net::Endpoint::parse("198.51.100.1:21"));
    const fwx::cli::PrimaryArgument v6 =
        fwx::cli::parsePrimary("udp,[2001:db8::2]:5060,[2001:db8:1::1]:5060");
    EXPECT_EQ(v6.transport, fwx::net::Transport::Udp);
    EXPECT_EQ(v6.server, fwx::net::Endpoint::parse("[2001:db8:1::1]:5060"));
}

TEST(Primary, AnythingElseIsRefused) {
    for (const char* text :
         {"", "tcp", "tcp,192.0.2.2:40000", "tcp,192.0.2.2:40000,198.51.100.1:21,x",
          "sctp,192.0.2.2:40000,198.51.100.1:21", "tcp,192.0.2.2,198.51.100.1:21",
          "tcp 192.0.2.2:40000 198.51.100.1:21", "tcp,2001:db8::2:1,198.51.100.1:21"}) {
        EXPECT_THROW(fwx::cli::parsePrimary(text), fwx::Error) << text;
        EXPECT_FALSE(fwx::cli::checkPrimary(text).empty()) << text;
    }
    EXPECT_NE(fwx::cli::checkPrimary("tcp").find("TRANSPORT,CLIENT:PORT,SERVER:PORT"),
              std::string::npos);
}

TEST(ExitCodes, FwxdErrors) {
    EXPECT_EQ(exitCodeFor("org.fwxd.Error.AccessDenied"), ExitCode::NoPermission);
    EXPECT_EQ(exitCodeFor("org.fwxd.Error.InvalidArgument"), ExitCode::DataError);
    EXPECT_EQ(exitCodeFor("org.fwxd.Error.UnknownProtocol"), ExitCode::DataError);
    EXPECT_EQ(exitCodeFor("org.fwxd.Error.QuotaExceeded"), ExitCode::TempFail);
    EXPECT_EQ(exitCodeFor("org.fwxd.Error.PortsExhausted"), ExitCode::TempFail);
    EXPECT_EQ(exitCodeFor("org.fwxd.Error.Failed"), ExitCode::Software);
    EXPECT_EQ(exitCodeFor("org.fwxd.Error.NotSupported"), ExitCode::Software);
}

TEST(ExitCodes, BusErrors) {
    EXPECT_EQ(exitCodeFor("org.freedesktop.DBus.Error.ServiceUnknown"), ExitCode::Unavailable);
    EXPECT_EQ(exitCodeFor("org.freedesktop.DBus.Error.NameHasNoOwner"), ExitCode::Unavailable);
    EXPECT_EQ(exitCodeFor("org.freedesktop.DBus.Error.NoReply"), ExitCode::Unavailable);
    EXPECT_EQ(exitCodeFor("org.freedesktop.DBus.Error.Spawn.ExecFailed"), ExitCode::Unavailable);
    EXPECT_EQ(exitCodeFor("System.Error.ECONNREFUSED"), ExitCode::Unavailable);
    EXPECT_EQ(exitCodeFor("org.freedesktop.DBus.Error.AccessDenied"), ExitCode::NoPermission);
    EXPECT_EQ(exitCodeFor("org.freedesktop.DBus.Error.UnknownObject"), ExitCode::DataError);
    EXPECT_EQ(exitCodeFor("org.freedesktop.DBus.Error.UnknownMethod"), ExitCode::Software);
    EXPECT_EQ(exitCodeFor(""), ExitCode::Software);
}

TEST(ExitCodes, Values) {
    EXPECT_EQ(fwx::cli::toInt(ExitCode::Success), 0);
    EXPECT_EQ(fwx::cli::toInt(ExitCode::Usage), 64);
    EXPECT_EQ(fwx::cli::toInt(ExitCode::DataError), 65);
    EXPECT_EQ(fwx::cli::toInt(ExitCode::Unavailable), 69);
    EXPECT_EQ(fwx::cli::toInt(ExitCode::Software), 70);
    EXPECT_EQ(fwx::cli::toInt(ExitCode::TempFail), 75);
    EXPECT_EQ(fwx::cli::toInt(ExitCode::NoPermission), 77);
}

} // namespace
