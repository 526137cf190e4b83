// Conntrack helpers of registered protocols: nft::Engine::addHelper attaches the kernel's
// helper to new connections to the assignment's ports of its servers through the firewall,
// and to no other connection; removeHelper stops it. Witnessed by conntrack(8) and nft(8).
#include "error/Error.hpp"
#include "lab/Command.hpp"
#include "lab/Conntrack.hpp"
#include "lab/Lab.hpp"
#include "lab/TcpConnect.hpp"
#include "lab/TcpServer.hpp"
#include "lab/WaitUntil.hpp"
#include "net/Prefix.hpp"
#include "nft/Engine.hpp"
#include "redirect/HelperAssignment.hpp"

#include <cerrno>
#include <string>

#include <gtest/gtest.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;

class Helpers : public ::testing::Test {
protected:
    static constexpr std::uint16_t IrcPort = 6667;
    static constexpr std::uint16_t OtherPort = 6668;

    static net::Prefix server(Family family) {
        return net::Prefix::parse(Lab::serverAddress(family));
    }
    const redirect::HelperAssignment irc{
        "irc-proxy", "irc", net::Transport::Tcp, {IrcPort}, {server(Family::V4)}};

    // Connects the client to the server's port through the firewall and keeps the
    // connection open; returns the conntrack line of that connection.
    std::string connectAndTrack(std::uint16_t port, Family family = Family::V4) {
        TcpConnectOptions options;
        options.keepOpen = true;
        TcpOutcome outcome = tcpConnect(
            &lab.client(), SocketAddress(Lab::serverAddress(family), port), "hello\n", 3s, options);
        EXPECT_TRUE(outcome.connected()) << outcome;
        if (!outcome.connected()) {
            return {};
        }
        open.push_back(std::move(outcome.connection));
        const auto lines =
            conntrackList("-f", family == Family::V4 ? "ipv4" : "ipv6", "-p", "tcp", "--sport",
                          std::to_string(outcome.local->port()), "--dport", std::to_string(port));
        EXPECT_EQ(lines.size(), 1U) << "conntrack entries of the connection";
        return lines.empty() ? std::string() : lines.front();
    }

    Lab lab;
    nft::Engine engine;
    TcpServer ircServer{&lab.server(), Lab::serverAddress(Family::V4), IrcPort};
    TcpServer otherServer{&lab.server(), Lab::serverAddress(Family::V4), OtherPort};
    std::vector<UniqueFd> open;
};

TEST_F(Helpers, ConnectionsToTheAssignedPortGetTheHelper) {
    engine.addHelper(irc);
    EXPECT_NE(connectAndTrack(IrcPort).find("helper=irc"), std::string::npos);
    EXPECT_EQ(connectAndTrack(OtherPort).find("helper="), std::string::npos);
}

// A helper registered for tcp/6667 of some servers gave an ftp parser to every forwarded
// connection to port 6667 of any server (issue 10, item 3): only the named servers' get it.
TEST_F(Helpers, ConnectionsToOtherServersGetNoHelper) {
    redirect::HelperAssignment elsewhere = irc;
    elsewhere.servers = {net::Prefix::parse("198.51.100.99"), net::Prefix::parse("2001:db8::/96")};
    engine.addHelper(elsewhere);
    EXPECT_EQ(connectAndTrack(IrcPort).find("helper="), std::string::npos);
    engine.removeHelper(elsewhere);
    // A prefix that holds the server covers it.
    redirect::HelperAssignment subnet = irc;
    subnet.servers = {net::Prefix::of(net::Address::parse(Lab::serverAddress(Family::V4)), 24)};
    engine.addHelper(subnet);
    EXPECT_NE(connectAndTrack(IrcPort).find("helper=irc"), std::string::npos);
}

TEST_F(Helpers, IPv6ServersGetTheHelperOfTheirFamily) {
    const redirect::HelperAssignment ftp{
        "ftp-proxy", "ftp", net::Transport::Tcp, {OtherPort}, {server(Family::V6)}};
    TcpServer v6Server{&lab.server(), Lab::serverAddress(Family::V6), OtherPort};
    engine.addHelper(ftp);
    EXPECT_NE(connectAndTrack(OtherPort, Family::V6).find("helper=ftp"), std::string::npos);
    // Its IPv4 address was not named.
    EXPECT_EQ(connectAndTrack(OtherPort).find("helper="), std::string::npos);
}

TEST_F(Helpers, RemovedAssignmentHelpsNoNewConnection) {
    engine.addHelper(irc);
    const std::string helped = connectAndTrack(IrcPort);
    EXPECT_NE(helped.find("helper=irc"), std::string::npos) << helped;
    engine.removeHelper(irc);
    EXPECT_EQ(connectAndTrack(IrcPort).find("helper="), std::string::npos);
    // Nothing of the assignment is left in the table.
    const std::string table = run({"nft", "list", "table", "inet", "fwxd"}).out;
    EXPECT_EQ(table.find("irc-proxy"), std::string::npos) << table;
}

TEST_F(Helpers, TableShowsTheObjectAndItsPorts) {
    engine.addHelper(irc);
    const std::string table = run({"nft", "list", "table", "inet", "fwxd"}).out;
    for (const char* expected :
         {"ct helper irc-proxy {", "type \"irc\" protocol tcp",
          "type ipv4_addr . inet_proto . inet_service : ct helper", "flags interval",
          "198.51.100.2 . tcp . 6667 : \"irc-proxy\"",
          "ct helper set ip daddr . meta l4proto . th dport map @helpers_v4",
          "ct helper set ip6 daddr . meta l4proto . th dport map @helpers_v6"}) {
        EXPECT_NE(table.find(expected), std::string::npos) << expected << "\n" << table;
    }
}

TEST_F(Helpers, APortHasOneHelperOnly) {
    engine.addHelper(irc);
    const redirect::HelperAssignment other{
        "other", "irc", net::Transport::Tcp, {IrcPort}, {server(Family::V4)}};
    try {
        engine.addHelper(other);
        FAIL() << "a second helper on tcp/6667 was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.errnum(), EEXIST) << e.what();
        EXPECT_NE(std::string(e.what()).find("ct helper other"), std::string::npos) << e.what();
    }
    // The refused transaction left nothing: the object "other" does not exist.
    const std::string table = run({"nft", "list", "table", "inet", "fwxd"}).out;
    EXPECT_EQ(table.find("ct helper other"), std::string::npos) << table;
}

TEST_F(Helpers, UnknownKernelHelperIsRefused) {
    const redirect::HelperAssignment bogus{
        "bogus", "no-such-helper", net::Transport::Tcp, {1}, {server(Family::V4)}};
    try {
        engine.addHelper(bogus);
        FAIL() << "an unknown kernel helper was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.errnum(), ENOENT) << e.what();
        EXPECT_NE(std::string(e.what()).find("no-such-helper"), std::string::npos) << e.what();
    }
}

} // namespace
} // namespace fwx::test
