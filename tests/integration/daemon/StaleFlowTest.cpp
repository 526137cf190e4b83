// Conntrack entries that would bypass a new redirect: a UDP client that sent to a port
// before fwxd allocated it, or through the port's previous redirect, and keeps its source
// port. fwxd deletes exactly those entries, known from its conntrack events (it never
// walks the table per request), so the client's next datagram reaches the new target.
#include "DaemonFixture.hpp"
#include "lab/Conntrack.hpp"
#include "lab/FamilyParam.hpp"
#include "lab/UdpClient.hpp"
#include "lab/UdpServer.hpp"
#include "lab/WaitUntil.hpp"

#include <chrono>

#include <gtest/gtest.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;

class StaleFlow : public DaemonFixture, public ::testing::WithParamInterface<Family> {
protected:
    StaleFlow() { // one port: it must be re-used
        settings.portRange = "41000-41000";
        settings.maxPortsPerRequest = 1;
    }

    Family family() const { return GetParam(); }
    SocketAddress internalPort() const { return {Lab::internalAddress(family()), 41000}; }
    Redirected redirectTo(const UdpServer& target) {
        RedirectRequest request;
        request.protocol = "udp";
        request.flags = AllowMultiple;
        Redirected redirected = client().redirect(
            client().openSession(),
            {ConnectAddress(target.address().address(), target.address().port())}, request);
        EXPECT_EQ(redirected.basePort, 41000);
        return redirected;
    }
    bool conntrackHasClientPort() const {
        const auto lines = conntrackList("-f", family() == Family::V4 ? "ipv4" : "ipv6", "-p",
                                         "udp", "--sport", "50000");
        return !lines.empty();
    }

    UdpServer server{&lab.server(), Lab::serverAddress(family())};
    UdpClient sender{&lab.client(), family(), 50000};
};

TEST_P(StaleFlow, ClientThatSentBeforeThePortWasAllocatedReachesTheTarget) {
    sender.send(internalPort(), "early");
    ASSERT_TRUE(sender.awaitError(3s)) << "nothing listens on the port yet: ICMP expected";
    ASSERT_TRUE(waitUntil([&] { return conntrackHasClientPort(); }, 3s,
                          "conntrack to keep the early datagram's entry"));

    redirectTo(server);
    sender.send(internalPort(), "late");
    const auto datagram = server.receive(3s);
    ASSERT_TRUE(datagram) << "the target got nothing: the early entry still bypasses the port";
    EXPECT_EQ(datagram->data, "late");
}

// A connection through a cancelled redirect goes on (conntrack keeps its NAT), so its port
// is not handed to a new redirect while it lives: the new redirect's stale-flow clean-up
// would cut it. Once it ends, the port is free, and the client follows the new redirect.
TEST_P(StaleFlow, APortWaitsForTheLiveFlowOfItsCancelledRedirectBeforeItIsUsedAgain) {
    UdpServer second(&lab.server(), Lab::serverAddress(family()));
    const Redirected before = redirectTo(server);
    sender.send(internalPort(), "one");
    ASSERT_TRUE(server.receive(3s)) << "the first target got nothing";

    client().action(before.actions.at(0)).Cancel();
    EXPECT_TRUE(failsWith([&] { redirectTo(second); }, "org.fwxd.Error.PortsExhausted"))
        << "the port was handed out under a live flow";
    sender.send(internalPort(), "still");
    const auto onOld = server.receive(3s);
    ASSERT_TRUE(onOld) << "the live flow was cut by Cancel";
    EXPECT_EQ(onOld->data, "still");

    conntrackFlush(); // the flow ends: its DESTROY frees the port
    ASSERT_TRUE(client().waitForSignal(before.actions.at(0), "Finished", "cancelled,0", 5s));
    redirectTo(second);
    sender.send(internalPort(), "two");
    const auto datagram = second.receive(3s);
    ASSERT_TRUE(datagram) << "the new target got nothing";
    EXPECT_EQ(datagram->data, "two");
    EXPECT_FALSE(server.receive(0ms)) << "the old target still got the datagram";
}

INSTANTIATE_TEST_SUITE_P(Families, StaleFlow, bothFamilies(), FamilyParamName());

} // namespace
} // namespace fwx::test
