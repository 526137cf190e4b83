// The lab's self-test: proves that namespaces, links, routes and the traffic helpers work
// on this kernel without any fwxd code, so that a failing fwxd test means fwxd.
#include "lab/Lab.hpp"

#include "lab/Command.hpp"
#include "lab/Conntrack.hpp"
#include "lab/FamilyParam.hpp"
#include "lab/Nft.hpp"
#include "lab/TcpConnect.hpp"
#include "lab/TcpServer.hpp"
#include "lab/UdpClient.hpp"
#include "lab/UdpServer.hpp"
#include "lab/WaitUntil.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;

// Nothing listens on it in a fresh namespace.
constexpr std::uint16_t closedPort = 9;

class LabTest : public ::testing::TestWithParam<Family> {
protected:
    static Family family() { return GetParam(); }
    Lab lab;
};

TEST_P(LabTest, ClientAndServerHaveTheirAddresses) {
    const auto show = [&](const Netns& ns) {
        return ns.exec({"ip", "-o", "addr", "show", "dev", std::string(Lab::peerLink)}).out;
    };

    EXPECT_NE(show(lab.client()).find(Lab::clientAddress(family()) + "/"), std::string::npos);
    EXPECT_NE(show(lab.server()).find(Lab::serverAddress(family()) + "/"), std::string::npos);
}

TEST_P(LabTest, TcpFromClientReachesServerAndSeesClientAddress) {
    TcpServer server(&lab.server(), Lab::serverAddress(family()));

    const TcpOutcome outcome = tcpConnect(&lab.client(), server.address(), "ping\n");

    ASSERT_EQ(outcome.result, ConnectResult::Connected) << outcome;
    EXPECT_EQ(outcome.echoed, "ping\n");
    const auto accepted = server.accept(3s);
    ASSERT_TRUE(accepted.has_value());
    EXPECT_EQ(accepted->peer.address(), Lab::clientAddress(family()));
    EXPECT_EQ(accepted->peer, *outcome.local);
    EXPECT_EQ(accepted->local, server.address());
    EXPECT_EQ(accepted->data, "ping\n");
}

TEST_P(LabTest, TcpClientKeepsAFixedSourcePort) {
    TcpServer server(&lab.server(), Lab::serverAddress(family()), 0, Reply::None);

    TcpConnectOptions options;
    options.sourcePort = 40001;
    options.expectEcho = false;

    const TcpOutcome outcome = tcpConnect(&lab.client(), server.address(), "x", 3s, options);

    ASSERT_EQ(outcome.result, ConnectResult::Connected) << outcome;
    const auto accepted = server.accept(3s);
    ASSERT_TRUE(accepted.has_value());
    EXPECT_EQ(accepted->peer.port(), 40001);
    EXPECT_EQ(accepted->data, "x"); // read to EOF: the client shut down its side
}

TEST_P(LabTest, TcpToAClosedPortIsRefused) {
    const SocketAddress closed(Lab::serverAddress(family()), closedPort);

    const TcpOutcome outcome = tcpConnect(&lab.client(), closed);

    EXPECT_EQ(outcome.result, ConnectResult::Refused) << outcome;
    EXPECT_EQ(outcome.error, ECONNREFUSED) << outcome;
}

TEST_P(LabTest, TcpDroppedByTheFirewallTimesOut) {
    TcpServer server(&lab.server(), Lab::serverAddress(family()));
    nftApply("table inet lab {\n"
             "  chain forward { type filter hook forward priority 0; tcp dport " +
             std::to_string(server.port()) + " drop; }\n}\n");

    const TcpOutcome outcome = tcpConnect(&lab.client(), server.address(), "ping\n", 300ms);

    EXPECT_EQ(outcome.result, ConnectResult::TimedOut) << outcome;
    EXPECT_FALSE(server.accept(0ms).has_value());
}

TEST_P(LabTest, TcpFromTheFirewallItselfReachesServer) {
    TcpServer server(&lab.server(), Lab::serverAddress(family()));

    const TcpOutcome outcome = tcpConnect(nullptr, server.address(), "ping\n");

    ASSERT_EQ(outcome.result, ConnectResult::Connected) << outcome;
    const auto accepted = server.accept(3s);
    ASSERT_TRUE(accepted.has_value());
    EXPECT_EQ(accepted->peer.address(), Lab::firewallServerSide(family()));
}

TEST_P(LabTest, TcpFromTheProxyAddressShowsItToServer) {
    TcpServer server(&lab.server(), Lab::serverAddress(family()));

    TcpConnectOptions options;
    options.sourceAddress = Lab::proxyAddress(family());

    const TcpOutcome outcome = tcpConnect(nullptr, server.address(), "ping\n", 3s, options);

    ASSERT_EQ(outcome.result, ConnectResult::Connected) << outcome;
    const auto accepted = server.accept(3s);
    ASSERT_TRUE(accepted.has_value());
    EXPECT_EQ(accepted->peer.address(), Lab::proxyAddress(family()));
}

TEST_P(LabTest, ClientReachesTheFirewallsInternalAddress) {
    TcpServer internal(nullptr, Lab::internalAddress(family()));

    const TcpOutcome outcome = tcpConnect(&lab.client(), internal.address(), "ping\n");

    ASSERT_EQ(outcome.result, ConnectResult::Connected) << outcome;
    const auto accepted = internal.accept(3s);
    ASSERT_TRUE(accepted.has_value());
    EXPECT_EQ(accepted->peer.address(), Lab::clientAddress(family()));
}

TEST_P(LabTest, UdpFromClientReachesServerAndTheReplyComesBack) {
    UdpServer server(&lab.server(), Lab::serverAddress(family()));
    UdpClient client(&lab.client(), family());

    client.send(server.address(), "ping");

    const auto request = server.receive(3s);
    ASSERT_TRUE(request.has_value());
    EXPECT_EQ(request->data, "ping");
    EXPECT_EQ(request->peer.address(), Lab::clientAddress(family()));
    EXPECT_EQ(request->peer, client.localAddress());
    server.reply(request->peer, "pong");
    const auto reply = client.receive(3s);
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->data, "pong");
    EXPECT_EQ(reply->peer, server.address());
}

TEST_P(LabTest, UdpClientKeepsAFixedSourcePort) {
    UdpServer server(&lab.server(), Lab::serverAddress(family()));
    UdpClient client(&lab.client(), family(), 40002);

    client.send(server.address(), "one");
    client.send(server.address(), "two");

    for (const char* expected : {"one", "two"}) {
        const auto datagram = server.receive(3s);
        ASSERT_TRUE(datagram.has_value());
        EXPECT_EQ(datagram->data, expected);
        EXPECT_EQ(datagram->peer.port(), 40002);
    }
}

TEST_P(LabTest, UdpToAClosedPortGetsPortUnreachable) {
    UdpClient client(&lab.client(), family());

    client.send(SocketAddress(Lab::serverAddress(family()), closedPort), "ping");

    const auto error = client.awaitError(3s);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->error, ECONNREFUSED) << *error;
    EXPECT_EQ(error->offender, Lab::serverAddress(family())) << *error;
    EXPECT_FALSE(client.receive(0ms).has_value());
}

TEST_P(LabTest, UdpWithoutAnErrorAwaitsNone) {
    UdpServer server(&lab.server(), Lab::serverAddress(family()));
    UdpClient client(&lab.client(), family());

    client.send(server.address(), "ping");

    EXPECT_FALSE(client.awaitError(100ms).has_value());
    EXPECT_TRUE(server.receive(3s).has_value());
}

TEST_P(LabTest, NftAndConntrackSeeTheFirewall) {
    // Conntrack only tracks in a namespace once a rule needs it.
    nftApply("table inet lab {\n"
             "  chain forward { type filter hook forward priority 0; ct state new counter; }\n"
             "}\n");
    TcpServer server(&lab.server(), Lab::serverAddress(family()), 0, Reply::None);
    TcpConnectOptions options;
    options.keepOpen = true;
    options.expectEcho = false;

    const TcpOutcome outcome = tcpConnect(&lab.client(), server.address(), "x", 3s, options);

    ASSERT_EQ(outcome.result, ConnectResult::Connected) << outcome;
    const std::string dport = "dport=" + std::to_string(server.port());
    EXPECT_TRUE(waitUntil(
        [&] {
            const auto lines = conntrackList("-p", "tcp");
            return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) {
                return line.find(dport) != std::string::npos;
            });
        },
        3s, "a conntrack entry with " + dport));
    const auto ruleset = nftJson("table", "inet", "lab");
    ASSERT_TRUE(ruleset.contains("nftables"));
    const auto& items = ruleset["nftables"];
    EXPECT_TRUE(std::any_of(items.begin(), items.end(), [](const nlohmann::json& item) {
        return item.contains("chain") && item["chain"]["name"] == "forward";
    })) << ruleset.dump();
}

INSTANTIATE_TEST_SUITE_P(Families, LabTest, bothFamilies(), FamilyParamName());

TEST(LabLifecycle, OnlyOneLabAtATime) {
    const Lab lab;
    EXPECT_THROW(Lab(), std::logic_error);
}

TEST(LabLifecycle, DestructorDeletesTheNamespacesAndTheFirewallLinks) {
    std::string client;
    std::string server;
    {
        const Lab lab;
        client = lab.client().name();
        server = lab.server().name();
        nftApply("table inet lab { }");
        EXPECT_TRUE(std::filesystem::exists("/run/netns/" + client));
    }
    EXPECT_FALSE(std::filesystem::exists("/run/netns/" + client));
    EXPECT_FALSE(std::filesystem::exists("/run/netns/" + server));
    EXPECT_NE(tryRun({"ip", "link", "show", std::string(Lab::clientSideLink)}).exitStatus, 0);
    EXPECT_EQ(nftJson("ruleset")["nftables"].size(), 1U) << "only the metainfo is left";
    // And the next Lab builds again.
    const Lab again;
}

TEST(LabLifecycle, NetnsRunReturnsToTheFirewallEvenWhenTheFunctionThrows) {
    const Netns ns("probe");
    EXPECT_THROW(ns.run([] { throw std::runtime_error("inside"); }), std::runtime_error);
    // Still the firewall: the lab can be built here.
    const Lab lab;
}

TEST(LabCommand, FailureNamesTheCommandAndItsStderr) {
    try {
        run({"ip", "link", "del", "fwx-no-such"});
        FAIL() << "expected CommandError";
    } catch (const CommandError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("ip link del fwx-no-such"), std::string::npos) << what;
        EXPECT_NE(what.find("Cannot find device"), std::string::npos) << what;
        EXPECT_NE(e.result().exitStatus, 0);
    }
}

TEST(LabCommand, MissingProgramIsAnError) {
    EXPECT_THROW(run({"fwx-no-such-program"}), CommandError);
}

TEST(LabCommand, InputReachesTheProgram) {
    EXPECT_EQ(runWithInput({"cat"}, "a\nb\n").out, "a\nb\n");
    EXPECT_EQ(splitLines("a\nb\n"), (std::vector<std::string>{"a", "b"}));
}

TEST(LabWaitUntil, SaysWhatItAwaited) {
    int calls = 0;
    EXPECT_TRUE(waitUntil([&] { return ++calls == 3; }, 1s, "three calls"));
    const auto result = waitUntil([] { return false; }, 20ms, "the impossible");
    EXPECT_FALSE(result);
    EXPECT_NE(std::string(result.message()).find("the impossible"), std::string::npos);
}

} // namespace
} // namespace fwx::test
