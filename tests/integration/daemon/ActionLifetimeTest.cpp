// How long actions and their connections last, through the real fwxd, bus and kernel
// (issue 11, items 1 and 3): a connection that lives on after Cancel or Close keeps its
// port and still reports Closed, with its counters and ConnectionId, to the owner; the
// action then finishes (Finished, its last signal) and leaves the bus; actions that admit
// nothing more do not count against MaxActionsPerClient.
#include "DaemonFixture.hpp"
#include "lab/FamilyParam.hpp"
#include "lab/TcpConnect.hpp"
#include "lab/TcpServer.hpp"

#include <chrono>
#include <cstdint>

#include <gtest/gtest.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;

class ActionLifetime : public DaemonFixture, public ::testing::WithParamInterface<Family> {
protected:
    ActionLifetime() { // one port: a held port is visible as PortsExhausted
        settings.portRange = "41000-41000";
        settings.maxPortsPerRequest = 1;
    }

    Family family() const { return GetParam(); }
    Redirected redirect(const sdbus::ObjectPath& session, std::uint32_t flags) {
        RedirectRequest request;
        request.flags = flags;
        return client().redirect(
            session, {ConnectAddress(server.address().address(), server.address().port())},
            request);
    }
    // A TCP connection through the redirect that stays open on the client's side (the
    // server has echoed and closed its side: conntrack waits for the client's FIN).
    TcpOutcome connectAndHold(const Redirected& redirected) {
        TcpConnectOptions options;
        options.keepOpen = true;
        return tcpConnect(&lab.client(), {redirected.internalAddress, redirected.basePort},
                          "hello\n", 3000ms, options);
    }
    std::uint64_t field(const ReceivedSignal& signal, const char* key) {
        const auto it = signal.connection.find(key);
        EXPECT_NE(it, signal.connection.end()) << signal.member << " lacks " << key;
        return it == signal.connection.end() ? 0 : it->second.get<std::uint64_t>();
    }
    // The Closed of action, checked against its Established.
    void expectClosedLikeEstablished(const sdbus::ObjectPath& action) {
        ASSERT_TRUE(client().waitForSignal(action, "Closed", std::nullopt, 10s));
        const auto established = client().signals().of(action, "Established");
        const auto closed = client().signals().of(action, "Closed");
        ASSERT_EQ(established.size(), 1U);
        ASSERT_EQ(closed.size(), 1U);
        EXPECT_EQ(field(closed[0], "ConnectionId"), field(established[0], "ConnectionId"));
        EXPECT_GT(field(closed[0], "BytesFromClient"), 0U);
        EXPECT_GT(field(closed[0], "BytesFromTarget"), 0U);
        EXPECT_EQ(closed[0].destination, client().uniqueName());
    }

    TcpServer server{&lab.server(), Lab::serverAddress(family())};
};

TEST_P(ActionLifetime, AfterCloseALiveConnectionKeepsItsPortAndItsClosedReachesTheOwner) {
    const sdbus::ObjectPath session = client().openSession();
    const Redirected redirected = redirect(session, AllowMultiple);
    const sdbus::ObjectPath& action = redirected.actions.at(0);
    TcpOutcome up = connectAndHold(redirected);
    ASSERT_TRUE(up.connected()) << up.errorText;
    ASSERT_TRUE(client().waitForSignal(action, "Established", std::nullopt, 5s));

    client().session(session).Close();
    EXPECT_TRUE(client().waitForSignal(action, "Expired", "session-closed", 5s));
    EXPECT_TRUE(objectGone(client().connection(), action, "org.fwxd.Action1"))
        << "the session's actions leave the bus with it";
    EXPECT_EQ(kernelElements(), 0U) << "nothing of the session stays programmed";
    EXPECT_EQ(client().firewall().ActiveRedirects(), 0U);
    EXPECT_TRUE(
        failsWith([&] { redirect(client().openSession(), 0); }, "org.fwxd.Error.PortsExhausted"))
        << "the live connection's port was handed out";

    up.connection.reset(); // the client closes too: the connection is over
    expectClosedLikeEstablished(action);
    EXPECT_TRUE(client().waitForSignal(action, "Finished", "cancelled,1", 5s));
    EXPECT_EQ(redirect(client().openSession(), 0).basePort, 41000) << "the port is free again";
}

// A used single-use permission has nothing left to cancel: no Expired; the redirect goes,
// the connection stays, and so does the action, until the connection ends.
TEST_P(ActionLifetime, AfterCancelALiveConnectionKeepsItsActionAndItsPort) {
    const Redirected redirected = redirect(client().openSession(), 0);
    const sdbus::ObjectPath& action = redirected.actions.at(0);
    TcpOutcome up = connectAndHold(redirected);
    ASSERT_TRUE(up.connected()) << up.errorText;
    ASSERT_TRUE(client().waitForSignal(action, "Established", std::nullopt, 5s));

    client().action(action).Cancel();
    EXPECT_EQ(kernelElements(), 0U);
    EXPECT_EQ(client().action(action).State(), "established");
    EXPECT_EQ(client().action(action).Connections(), 1U);
    EXPECT_TRUE(
        failsWith([&] { redirect(client().openSession(), 0); }, "org.fwxd.Error.PortsExhausted"));

    up.connection.reset();
    expectClosedLikeEstablished(action);
    EXPECT_TRUE(client().waitForSignal(action, "Finished", "consumed,1", 5s));
    EXPECT_TRUE(objectGone(client().connection(), action, "org.fwxd.Action1"));
    client().sync();
    EXPECT_EQ(client().received(action, "Expired"), 0U) << client().signals().describe();
}

INSTANTIATE_TEST_SUITE_P(Families, ActionLifetime, bothFamilies(), FamilyParamName());

// Today's finding: with MaxActionsPerClient=2, two expired actions made the third request
// QuotaExceeded. Only actions that may still admit a connection count.
class SpentActions : public DaemonFixture {
protected:
    SpentActions() { settings.maxActionsPerClient = 2; }
};

TEST_F(SpentActions, NoLongerCountAgainstMaxActionsPerClient) {
    const sdbus::ObjectPath session = client().openSession();
    RedirectRequest request;
    request.flags = TimeoutFlag;
    request.options = {{"Timeout", sdbus::Variant(std::uint64_t{300'000})}};
    const std::vector<ConnectAddress> target{ConnectAddress(Lab::serverAddress(Family::V4), 80)};
    const Redirected first = client().redirect(session, target, request);
    const Redirected second = client().redirect(session, target, request);
    EXPECT_TRUE(failsWith([&] { client().redirect(session, target, request); },
                          "org.fwxd.Error.QuotaExceeded"));
    ASSERT_TRUE(client().waitForSignal(first.actions.at(0), "Finished", "expired,0", 5s));
    ASSERT_TRUE(client().waitForSignal(second.actions.at(0), "Finished", "expired,0", 5s));

    EXPECT_NO_THROW(client().redirect(session, target, request));
    EXPECT_NO_THROW(client().redirect(session, target, request));
    EXPECT_EQ(client().session(session).Actions().size(), 2U) << "expired actions left the session";
}

} // namespace
} // namespace fwx::test
