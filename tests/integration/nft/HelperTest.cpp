// Conntrack helpers of registered protocols: nft::Engine::addHelper attaches the kernel's
// helper to new connections of the assignment's ports through the firewall, and to no
// other connection; removeHelper stops it. Witnessed by conntrack(8) and nft(8).
#include "error/Error.hpp"
#include "lab/Command.hpp"
#include "lab/Conntrack.hpp"
#include "lab/Lab.hpp"
#include "lab/TcpConnect.hpp"
#include "lab/TcpServer.hpp"
#include "lab/WaitUntil.hpp"
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

    const redirect::HelperAssignment irc{"irc-proxy", "irc", net::Transport::Tcp, {IrcPort}};

    // Connects the client to the server's port through the firewall and keeps the
    // connection open; returns the conntrack line of that connection.
    std::string connectAndTrack(std::uint16_t port) {
        TcpConnectOptions options;
        options.keepOpen = true;
        TcpOutcome outcome =
            tcpConnect(&lab.client(), SocketAddress(Lab::serverAddress(Family::V4), port),
                       "hello\n", 3s, options);
        EXPECT_TRUE(outcome.connected()) << outcome;
        if (!outcome.connected()) {
            return {};
        }
        open.push_back(std::move(outcome.connection));
        const auto lines =
            conntrackList("-p", "tcp", "--sport", std::to_string(outcome.local->port()), "--dport",
                          std::to_string(port));
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
          "type inet_proto . inet_service : ct helper", "tcp . 6667 : \"irc-proxy\"",
          "ct state new ct helper set meta l4proto . th dport map @helpers"}) {
        EXPECT_NE(table.find(expected), std::string::npos) << expected << "\n" << table;
    }
}

TEST_F(Helpers, APortHasOneHelperOnly) {
    engine.addHelper(irc);
    const redirect::HelperAssignment other{"other", "irc", net::Transport::Tcp, {IrcPort}};
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
    const redirect::HelperAssignment bogus{"bogus", "no-such-helper", net::Transport::Tcp, {1}};
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
