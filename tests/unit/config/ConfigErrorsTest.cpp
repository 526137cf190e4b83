// Every way parseConfig refuses a file, with the exact message: file:line, section, key.
#include "config/ConfigFile.hpp"
#include "net/InvalidArgument.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace fwx::config {
namespace {

std::string errorOf(std::string_view text) {
    return net::test::invalidArgumentMessage([&] { parseConfig(text, "test.conf"); });
}

// A valid [Redirect] start, so that each test's line shows the one error it is about.
std::string redirect(std::string_view more) {
    return "[Redirect]\nInternalAddresses=10.71.1.1\n" + std::string(more);
}

TEST(ConfigErrorsTest, InternalAddressesAreRequired) {
    EXPECT_EQ(errorOf(""),
              "test.conf: [Redirect] InternalAddresses: at least one address is required");
    EXPECT_EQ(errorOf("[Access]\nAllowedUsers=root\n"),
              "test.conf: [Redirect] InternalAddresses: at least one address is required");
    EXPECT_EQ(errorOf("[Redirect]\nInternalAddresses= # none\n"),
              "test.conf:2: [Redirect] InternalAddresses: at least one address is required");
}

TEST(ConfigErrorsTest, BadInternalAddresses) {
    EXPECT_EQ(errorOf("[Redirect]\nInternalAddresses=10.71.1.1 10.71.1.256\n"),
              "test.conf:2: [Redirect] InternalAddresses: \"10.71.1.256\" is not an IPv4 or "
              "IPv6 address");
    EXPECT_EQ(errorOf("[Redirect]\nInternalAddresses=fd71:1::1 fd71:1:0::1\n"),
              "test.conf:2: [Redirect] InternalAddresses: \"fd71:1:0::1\" is listed twice (as "
              "fd71:1::1)");
    EXPECT_EQ(errorOf("[Redirect]\nInternalAddresses=10.71.1.1,10.71.1.1\n"),
              "test.conf:2: [Redirect] InternalAddresses: \"10.71.1.1\" is listed twice");
    const std::string unusable = ": name a unicast address of this host that clients connect to";
    const std::vector<std::pair<std::string, std::string>> cases{
        {"0.0.0.0", "0.0.0.0 is the unspecified address"},
        {"::", ":: is the unspecified address"},
        {"ff02::1", "ff02::1 is a multicast address"},
        {"224.0.0.1", "224.0.0.1 is a multicast address"},
        {"255.255.255.255", "255.255.255.255 is the broadcast address"},
        {"127.0.0.1", "127.0.0.1 is a loopback address"},
        {"::1", "::1 is a loopback address"},
        {"fe80::1", "fe80::1 is a link-local address"},
        {"169.254.1.1", "169.254.1.1 is a link-local address"},
        {"::ffff:203.0.113.1", "::ffff:203.0.113.1 is an IPv4-mapped IPv6 address"},
    };
    for (const auto& [address, why] : cases) {
        std::string text = "[Redirect]\nInternalAddresses=203.0.113.1 ";
        text += address;
        std::string expected = "test.conf:2: [Redirect] InternalAddresses: ";
        expected += why;
        expected += unusable;
        EXPECT_EQ(errorOf(text + "\n"), expected);
    }
}

TEST(ConfigErrorsTest, UnknownOrRepeatedSectionsEvenWhenEmpty) {
    EXPECT_EQ(errorOf("[Redirect]\nInternalAddresses=203.0.113.1\n[Bogus]\n"),
              "test.conf:3: [Bogus]: unknown section; fwxd.conf has [Redirect], [Access], "
              "[Conntrack], [Relay]");
    EXPECT_EQ(errorOf("[Redirect]\nInternalAddresses=203.0.113.1\n\n[Redirect]\n"),
              "test.conf:4: [Redirect]: given twice (first on line 1)");
}

TEST(ConfigErrorsTest, BadPortRange) {
    EXPECT_EQ(errorOf(redirect("PortRange=41999-41000\n")),
              "test.conf:3: [Redirect] PortRange: port range 41999-41000 is reversed: the first "
              "port is above the last (did you mean 41000-41999?)");
    EXPECT_EQ(errorOf(redirect("PortRange=0-10\n")),
              "test.conf:3: [Redirect] PortRange: port range \"0-10\": port 0 cannot be "
              "allocated");
    EXPECT_EQ(errorOf(redirect("PortRange=\n")),
              "test.conf:3: [Redirect] PortRange: port range \"\" is not of the form FIRST-LAST "
              "(e.g. 41000-41999)");
}

TEST(ConfigErrorsTest, NumbersOutOfRange) {
    EXPECT_EQ(errorOf(redirect("MaxPortsPerRequest=0\n")),
              "test.conf:3: [Redirect] MaxPortsPerRequest: \"0\": expected a number from 1 to "
              "1024");
    EXPECT_EQ(errorOf(redirect("MaxPortsPerRequest=1025\n")),
              "test.conf:3: [Redirect] MaxPortsPerRequest: \"1025\": expected a number from 1 "
              "to 1024");
    EXPECT_EQ(errorOf(redirect("DefaultTimeoutSec=0\n")),
              "test.conf:3: [Redirect] DefaultTimeoutSec: \"0\": expected a number from 1 to "
              "4294967295");
    EXPECT_EQ(errorOf(redirect("MaxTimeoutSec=4294967296\n")),
              "test.conf:3: [Redirect] MaxTimeoutSec: \"4294967296\": expected a number from 1 "
              "to 4294967295");
    EXPECT_EQ(errorOf(redirect("[Access]\nMaxSessionsPerClient=0\n")),
              "test.conf:4: [Access] MaxSessionsPerClient: \"0\": expected a number from 1 to "
              "4294967295");
    EXPECT_EQ(errorOf(redirect("[Access]\nMaxActionsPerClient=0\n")),
              "test.conf:4: [Access] MaxActionsPerClient: \"0\": expected a number from 1 to "
              "4294967295");
}

TEST(ConfigErrorsTest, NumbersMustBePlainDecimal) {
    for (const char* bad : {"", "abc", "+1", "-1", "12abc", "0x10", "1 2", "1.5"}) {
        EXPECT_EQ(errorOf(redirect("MaxPortsPerRequest=" + std::string(bad) + "\n")),
                  "test.conf:3: [Redirect] MaxPortsPerRequest: \"" + std::string(bad) +
                      "\": expected a number from 1 to 1024");
    }
}

TEST(ConfigErrorsTest, MaxPortsPerRequestMustFitTheRange) {
    EXPECT_EQ(errorOf(redirect("PortRange=41000-41009\nMaxPortsPerRequest=11\n")),
              "test.conf:4: [Redirect] MaxPortsPerRequest: 11 is more than the 10 ports of "
              "PortRange 41000-41009");
}

TEST(ConfigErrorsTest, DefaultTimeoutMustNotExceedTheMaximum) {
    EXPECT_EQ(errorOf(redirect("DefaultTimeoutSec=60\nMaxTimeoutSec=30\n")),
              "test.conf:3: [Redirect] DefaultTimeoutSec: 60 is above MaxTimeoutSec 30");
    EXPECT_EQ(errorOf(redirect("MaxTimeoutSec=10\n")),
              "test.conf:3: [Redirect] DefaultTimeoutSec: 30 is above MaxTimeoutSec 10");
}

TEST(ConfigErrorsTest, KeyGivenTwice) {
    EXPECT_EQ(errorOf(redirect("PortRange=41000-41099\n\nPortRange=41000-41199\n")),
              "test.conf:5: [Redirect] PortRange: given twice (first on line 3)");
    EXPECT_EQ(errorOf(redirect("[Access]\nAllowedUsers=\nAllowedUsers=root\n")),
              "test.conf:5: [Access] AllowedUsers: given twice (first on line 4)");
}

TEST(ConfigErrorsTest, NameListedTwice) {
    EXPECT_EQ(errorOf(redirect("[Access]\nAllowedGroups=fwxd proxies,fwxd\n")),
              "test.conf:4: [Access] AllowedGroups: \"fwxd\" is listed twice");
}

TEST(ConfigErrorsTest, UnknownSection) {
    EXPECT_EQ(errorOf(redirect("[Redirct]\nPortRange=41000-41099\n")),
              "test.conf:3: [Redirct]: unknown section; fwxd.conf has [Redirect], [Access], "
              "[Conntrack], [Relay]");
}

TEST(ConfigErrorsTest, UnknownKey) {
    EXPECT_EQ(errorOf(redirect("PortRang=41000-41099\n")),
              "test.conf:3: [Redirect] PortRang: unknown key; [Redirect] has InternalAddresses, "
              "PortRange, MaxPortsPerRequest, DefaultTimeoutSec, MaxTimeoutSec");
    EXPECT_EQ(errorOf(redirect("AllowedUsers=root\n")),
              "test.conf:3: [Redirect] AllowedUsers: unknown key; [Redirect] has "
              "InternalAddresses, PortRange, MaxPortsPerRequest, DefaultTimeoutSec, "
              "MaxTimeoutSec");
    // Keys are case-sensitive, as in systemd's files.
    EXPECT_EQ(errorOf(redirect("[Access]\nallowedusers=root\n")),
              "test.conf:4: [Access] allowedusers: unknown key; [Access] has AllowedUsers, "
              "AllowedGroups, AdminUsers, AdminGroups, MaxSessionsPerClient, MaxActionsPerClient, "
              "MaxSessionsPerUser, MaxActionsPerUser, MaxProtocolsPerUser");
}

TEST(ConfigErrorsTest, KeyOutsideAnySection) {
    EXPECT_EQ(errorOf("# comment\nPortRange=41000-41099\n"),
              "test.conf:2: PortRange: outside of any section; fwxd.conf has [Redirect], "
              "[Access], [Conntrack], [Relay]");
}

TEST(ConfigErrorsTest, SyntaxErrors) {
    EXPECT_EQ(errorOf(redirect("PortRange 41000-41099  # comment\n")),
              "test.conf:3: syntax error: \"PortRange 41000-41099\" is not a [Section], a "
              "Key=Value or a comment");
    EXPECT_EQ(errorOf("\n  [Redirect\nInternalAddresses=10.71.1.1\n"),
              "test.conf:2: syntax error: \"[Redirect\" is not a [Section], a Key=Value or a "
              "comment");
}

TEST(ConfigErrorsTest, TheFirstErrorInTheFileIsReported) {
    EXPECT_EQ(errorOf(redirect("junk\nPortRange=x\n")),
              "test.conf:3: syntax error: \"junk\" is not a [Section], a Key=Value or a comment");
    EXPECT_EQ(errorOf(redirect("PortRange=x\njunk\n")),
              "test.conf:3: [Redirect] PortRange: port range \"x\" is not of the form "
              "FIRST-LAST (e.g. 41000-41999)");
}

TEST(ConfigErrorsTest, NulByte) {
    using namespace std::string_view_literals;
    EXPECT_EQ(errorOf(redirect("PortRange=41000\0-41999\n"sv)),
              "test.conf:3: the line contains a NUL byte");
}

TEST(ConfigErrorsTest, LineTooLongForInih) {
    EXPECT_EQ(errorOf(redirect("[Access]\nAllowedUsers=" + std::string(190, 'u') + "\n")),
              "test.conf:4: the line is longer than 198 characters, the most inih reads");
    // Indentation and comments do not count.
    EXPECT_NO_THROW(parseConfig(redirect("[Access]\n" + std::string(100, ' ') +
                                         "AllowedUsers=" + std::string(150, 'u') + " #" +
                                         std::string(100, 'c') + "\n"),
                                "test.conf"));
}

} // namespace
} // namespace fwx::config
