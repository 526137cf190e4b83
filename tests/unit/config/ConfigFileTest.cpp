#include "config/ConfigFile.hpp"

#include "error/Error.hpp"
#include "net/InvalidArgument.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

namespace fwx::config {
namespace {

using net::Address;
using redirect::PortRange;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

Config parse(std::string_view text) {
    return parseConfig(text, "test.conf");
}

// A file under TMPDIR, removed with the test.
class TempFile {
public:
    explicit TempFile(const std::string& text) {
        char name[] = "/tmp/fwxd-config-test-XXXXXX";
        const int fd = ::mkstemp(name);
        EXPECT_GE(fd, 0);
        ::close(fd);
        path_ = name;
        std::ofstream(path_) << text;
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() { std::remove(path_.c_str()); }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

TEST(ConfigFileTest, DefaultsApplyToEveryKeyNotGiven) {
    const Config config = parse("[Redirect]\nInternalAddresses=10.71.1.1\n");
    EXPECT_THAT(config.redirect.internalAddresses, ElementsAre(Address::parse("10.71.1.1")));
    EXPECT_EQ(config.redirect.portRange, PortRange(41000, 41999));
    EXPECT_EQ(config.redirect.maxPortsPerRequest, 64U);
    EXPECT_EQ(config.redirect.defaultTimeout, seconds(30));
    EXPECT_EQ(config.redirect.maxTimeout, seconds(86400));
    EXPECT_THAT(config.access.allowedUsers, IsEmpty());
    EXPECT_THAT(config.access.allowedGroups, IsEmpty());
    EXPECT_EQ(config.access.maxSessionsPerClient, 64U);
    EXPECT_EQ(config.access.maxActionsPerClient, 4096U);
    EXPECT_EQ(config.access.maxSessionsPerUser, 256U);
    EXPECT_EQ(config.access.maxActionsPerUser, 16384U);
    EXPECT_THAT(config.access.adminUsers, IsEmpty());
    EXPECT_THAT(config.access.adminGroups, IsEmpty());
    EXPECT_EQ(config.access.maxProtocolsPerUser, 16U);
}

// Left unset, MaxPortsPerRequest follows a port range smaller than its default of 64.
TEST(ConfigFileTest, TheDefaultLargestRequestFollowsASmallRange) {
    EXPECT_EQ(parse("[Redirect]\nInternalAddresses=10.71.1.1\nPortRange=41000-41009\n")
                  .redirect.maxPortsPerRequest,
              10U);
    EXPECT_EQ(parse("[Redirect]\nInternalAddresses=10.71.1.1\nPortRange=41000-41000\n")
                  .redirect.maxPortsPerRequest,
              1U);
}

TEST(ConfigFileTest, StructDefaultsMatchTheDocumentedOnes) {
    const Config config;
    EXPECT_THAT(config.redirect.internalAddresses, IsEmpty());
    EXPECT_EQ(config.redirect.portRange, PortRange(41000, 41999));
    EXPECT_EQ(config.redirect.maxPortsPerRequest, 64U);
    EXPECT_EQ(config.redirect.defaultTimeout, seconds(30));
    EXPECT_EQ(config.redirect.maxTimeout, seconds(86400));
    EXPECT_EQ(config.access.maxSessionsPerClient, 64U);
    EXPECT_EQ(config.access.maxActionsPerClient, 4096U);
    EXPECT_EQ(config.access.maxSessionsPerUser, 256U);
    EXPECT_EQ(config.access.maxActionsPerUser, 16384U);
    EXPECT_EQ(config.access.maxProtocolsPerUser, 16U);
}

TEST(ConfigFileTest, ParsesEveryKey) {
    const Config config = parse("[Redirect]\n"
                                "InternalAddresses=192.0.2.1, 2001:db8::1\n"
                                "PortRange=50000-50099\n"
                                "MaxPortsPerRequest=100\n"
                                "DefaultTimeoutSec=5\n"
                                "MaxTimeoutSec=600\n"
                                "[Access]\n"
                                "AllowedUsers=root sipproxy 1001\n"
                                "AllowedGroups=fwxd,proxies\n"
                                "MaxSessionsPerClient=1\n"
                                "MaxActionsPerClient=2\n"
                                "MaxSessionsPerUser=3\n"
                                "MaxActionsPerUser=4\n"
                                "AdminUsers=fwxadmin 0\n"
                                "AdminGroups=wheel\n"
                                "MaxProtocolsPerUser=5\n"
                                "[Conntrack]\n"
                                "EventFilter=no\n"
                                "EventBufferBytes=65536\n");
    EXPECT_THAT(config.redirect.internalAddresses,
                ElementsAre(Address::parse("192.0.2.1"), Address::parse("2001:db8::1")));
    EXPECT_EQ(config.redirect.portRange, PortRange(50000, 50099));
    EXPECT_EQ(config.redirect.maxPortsPerRequest, 100U);
    EXPECT_EQ(config.redirect.defaultTimeout, seconds(5));
    EXPECT_EQ(config.redirect.maxTimeout, seconds(600));
    EXPECT_THAT(config.access.allowedUsers, ElementsAre("root", "sipproxy", "1001"));
    EXPECT_THAT(config.access.allowedGroups, ElementsAre("fwxd", "proxies"));
    EXPECT_EQ(config.access.maxSessionsPerClient, 1U);
    EXPECT_EQ(config.access.maxActionsPerClient, 2U);
    EXPECT_EQ(config.access.maxSessionsPerUser, 3U);
    EXPECT_EQ(config.access.maxActionsPerUser, 4U);
    EXPECT_THAT(config.access.adminUsers, ElementsAre("fwxadmin", "0"));
    EXPECT_THAT(config.access.adminGroups, ElementsAre("wheel"));
    EXPECT_EQ(config.access.maxProtocolsPerUser, 5U);
    EXPECT_FALSE(config.conntrack.eventFilter);
    EXPECT_EQ(config.conntrack.eventBufferBytes, 65536U);
}

TEST(ConfigFileTest, ConntrackValuesAreChecked) {
    for (const char* yes : {"yes", "true", "on", "1"}) {
        EXPECT_TRUE(parse(std::string("[Redirect]\nInternalAddresses=10.71.1.1\n[Conntrack]\n"
                                      "EventFilter=") +
                          yes)
                        .conntrack.eventFilter);
    }
    EXPECT_THROW(parse("[Redirect]\nInternalAddresses=10.71.1.1\n[Conntrack]\nEventFilter=maybe"),
                 Error);
    EXPECT_THROW(parse("[Redirect]\nInternalAddresses=10.71.1.1\n[Conntrack]\n"
                       "EventBufferBytes=100"),
                 Error);
}

TEST(ConfigFileTest, ParsesTheShippedExample) {
    const Config config = loadConfig(FWX_EXAMPLE_CONFIG);
    EXPECT_THAT(config.redirect.internalAddresses,
                ElementsAre(Address::parse("10.71.1.1"), Address::parse("fd71:1::1")));
    EXPECT_THAT(config.access.allowedUsers, ElementsAre("root"));
    // Everything else the example shows is the default, as its header promises.
    Config defaults;
    defaults.redirect.internalAddresses = config.redirect.internalAddresses;
    defaults.access.allowedUsers = config.access.allowedUsers;
    EXPECT_EQ(config.redirect.portRange, defaults.redirect.portRange);
    EXPECT_EQ(config.redirect.maxPortsPerRequest, defaults.redirect.maxPortsPerRequest);
    EXPECT_EQ(config.redirect.defaultTimeout, defaults.redirect.defaultTimeout);
    EXPECT_EQ(config.redirect.maxTimeout, defaults.redirect.maxTimeout);
    EXPECT_EQ(config.access.allowedGroups, defaults.access.allowedGroups);
    EXPECT_EQ(config.access.maxSessionsPerClient, defaults.access.maxSessionsPerClient);
    EXPECT_EQ(config.access.maxActionsPerClient, defaults.access.maxActionsPerClient);
    EXPECT_EQ(config.access.maxSessionsPerUser, defaults.access.maxSessionsPerUser);
    EXPECT_EQ(config.access.maxActionsPerUser, defaults.access.maxActionsPerUser);
    EXPECT_EQ(config.access.adminUsers, defaults.access.adminUsers);
    EXPECT_EQ(config.access.adminGroups, defaults.access.adminGroups);
    EXPECT_EQ(config.access.maxProtocolsPerUser, defaults.access.maxProtocolsPerUser);
    EXPECT_EQ(config.conntrack.eventFilter, defaults.conntrack.eventFilter);
    EXPECT_EQ(config.conntrack.eventBufferBytes, defaults.conntrack.eventBufferBytes);
}

// The file as DESIGN and fwxd.conf(5) show it, inline comments included.
TEST(ConfigFileTest, ParsesTheDocumentedFile) {
    const Config config =
        parse("[Redirect]\n"
              "InternalAddresses=10.71.1.1 fd71:1::1   # addresses clients are told to connect "
              "to\n"
              "PortRange=41000-41999\n"
              "MaxPortsPerRequest=64\n"
              "DefaultTimeoutSec=30\n"
              "MaxTimeoutSec=86400\n"
              "[Access]\n"
              "AllowedUsers=root                     # plus AllowedGroups=; root is always "
              "allowed\n"
              "AllowedGroups=\n"
              "MaxSessionsPerClient=64\n"
              "MaxActionsPerClient=4096\n"
              "MaxSessionsPerUser=256\n"
              "MaxActionsPerUser=16384\n"
              "MaxProtocolsPerUser=16\n"
              "AdminUsers=              # plus AdminGroups=; root always is an administrator\n");
    EXPECT_THAT(config.redirect.internalAddresses,
                ElementsAre(Address::parse("10.71.1.1"), Address::parse("fd71:1::1")));
    EXPECT_THAT(config.access.allowedUsers, ElementsAre("root"));
    EXPECT_THAT(config.access.allowedGroups, IsEmpty());
}

TEST(ConfigFileTest, StripsInlineCommentsAfterABlank) {
    const Config config = parse("[Redirect] # the redirect section\n"
                                "InternalAddresses=10.71.1.1 fd71:1::1   # told to clients\n"
                                "PortRange=41000-41099\t# tab before the hash\n"
                                "MaxPortsPerRequest=8 ; inih's own inline comment\n"
                                "[Access]\n"
                                "AllowedUsers=root                     # plus AllowedGroups\n"
                                "AllowedGroups= # none\n");
    EXPECT_THAT(config.redirect.internalAddresses,
                ElementsAre(Address::parse("10.71.1.1"), Address::parse("fd71:1::1")));
    EXPECT_EQ(config.redirect.portRange, PortRange(41000, 41099));
    EXPECT_EQ(config.redirect.maxPortsPerRequest, 8U);
    EXPECT_THAT(config.access.allowedUsers, ElementsAre("root"));
    EXPECT_THAT(config.access.allowedGroups, IsEmpty());
}

TEST(ConfigFileTest, KeepsAHashNotAfterABlank) {
    const Config config = parse("[Redirect]\nInternalAddresses=10.71.1.1\n"
                                "[Access]\nAllowedUsers=a#b #comment\nAllowedGroups=#x\n");
    EXPECT_THAT(config.access.allowedUsers, ElementsAre("a#b"));
    EXPECT_THAT(config.access.allowedGroups, ElementsAre("#x"));
}

TEST(ConfigFileTest, SkipsWholeLineCommentsAndBlankLines) {
    const Config config = parse("# comment\n; comment\n\n   \n[Redirect]\n  # indented\n"
                                "InternalAddresses=10.71.1.1\n\t; indented\n");
    EXPECT_THAT(config.redirect.internalAddresses, ElementsAre(Address::parse("10.71.1.1")));
}

// inih would take an indented line as the continuation of the previous value.
TEST(ConfigFileTest, IndentedLinesAreOrdinaryLines) {
    const Config config = parse("[Redirect]\n"
                                "    InternalAddresses = 10.71.1.1\n"
                                "    PortRange = 41000-41099\n"
                                "  [Access]\n"
                                "\tAllowedUsers = root\n");
    EXPECT_THAT(config.redirect.internalAddresses, ElementsAre(Address::parse("10.71.1.1")));
    EXPECT_EQ(config.redirect.portRange, PortRange(41000, 41099));
    EXPECT_THAT(config.access.allowedUsers, ElementsAre("root"));
}

TEST(ConfigFileTest, AcceptsCrLfLinesAndNoFinalNewline) {
    const Config config =
        parse("[Redirect]\r\nInternalAddresses=10.71.1.1\r\nPortRange=41000-41099  # c\r\n"
              "[Access]\r\nAllowedUsers=root");
    EXPECT_EQ(config.redirect.portRange, PortRange(41000, 41099));
    EXPECT_THAT(config.access.allowedUsers, ElementsAre("root"));
}

TEST(ConfigFileTest, ListsSplitOnBlanksAndCommas) {
    const Config config = parse("[Redirect]\nInternalAddresses=10.71.1.1,10.71.1.2 , 10.71.1.3\n"
                                "[Access]\nAllowedUsers=a,b  c\t,d,\nAllowedGroups=\n");
    EXPECT_EQ(config.redirect.internalAddresses.size(), 3U);
    EXPECT_THAT(config.access.allowedUsers, ElementsAre("a", "b", "c", "d"));
    EXPECT_THAT(config.access.allowedGroups, IsEmpty());
}

TEST(ConfigFileTest, LoadsAFile) {
    const TempFile file("[Redirect]\nInternalAddresses=10.71.1.1\n");
    EXPECT_THAT(loadConfig(file.path()).redirect.internalAddresses,
                ElementsAre(Address::parse("10.71.1.1")));
}

TEST(ConfigFileTest, NamesTheFileInErrors) {
    const TempFile file("[Redirect]\nInternalAddresses=10.71.1.1\nPortRange=1\n");
    EXPECT_EQ(net::test::invalidArgumentMessage([&] { loadConfig(file.path()); }),
              file.path() + ":3: [Redirect] PortRange: port range \"1\" is not of the form "
                            "FIRST-LAST (e.g. 41000-41999)");
}

TEST(ConfigFileTest, MissingFileIsAnErrorWithErrno) {
    try {
        loadConfig("/nonexistent/fwxd.conf");
        FAIL() << "nothing thrown";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::InvalidArgument);
        EXPECT_EQ(error.errnum(), ENOENT);
        EXPECT_STREQ(error.what(), "cannot read /nonexistent/fwxd.conf: No such file or directory");
    }
}

TEST(ConfigFileTest, DirectoryIsAnErrorWithErrno) {
    try {
        loadConfig("/");
        FAIL() << "nothing thrown";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::InvalidArgument);
        EXPECT_EQ(error.errnum(), EISDIR);
        EXPECT_STREQ(error.what(), "cannot read /: Is a directory");
    }
}

} // namespace
} // namespace fwx::config
