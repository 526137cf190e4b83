// SessionRegistry's conntrack-event half for nft-only redirects: which connections belong
// to an action, the Established/Closed notices, the action's state and when its port goes
// back, at deadlines too, and the resynchronisation after lost events.
#include "redirect/SessionRegistryFixture.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fwx::redirect::test {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using Kind = ConnectionNotice::Kind;

class SessionRegistryEvents : public SessionRegistryFixture {
protected:
    ActionId singleUse() { return redirectOne(openSession(), targets({"198.51.100.2:80"})); }
    ActionId multiUse() {
        return redirectOne(openSession(),
                           withFlags(targets({"198.51.100.2:80"}), flags::AllowMultiple));
    }
};

TEST_F(SessionRegistryEvents, FirstConnectionConsumesASingleUsePermission) {
    const ActionId id = redirectOne(openSession(), withTimeout(targets({"198.51.100.2:80"}), 10s));
    const Notices notices = onNew(flowTo(41000));

    EXPECT_TRUE(notices.connections.empty());
    EXPECT_THAT(notices.changed, ElementsAre(id));
    EXPECT_EQ(action(id).state, ActionState::Consumed);
    EXPECT_FALSE(action(id).expiresAt);
    EXPECT_FALSE(registry->nextDeadline());
}

TEST_F(SessionRegistryEvents, EstablishedIsReportedOnceWithTheFlowAndTheOwner) {
    const ActionId id = singleUse();
    onNew(flowTo(41000));
    const Notices notices = onUpdate(established(flowTo(41000)));

    ASSERT_EQ(notices.connections.size(), 1U);
    const ConnectionNotice& notice = notices.connections[0];
    EXPECT_EQ(notice.kind, Kind::Established);
    EXPECT_EQ(notice.action, id);
    EXPECT_EQ(notice.owner, alice.name);
    EXPECT_EQ(notice.flow.client, client);
    EXPECT_EQ(notice.flow.target, net::Endpoint::parse("198.51.100.2:80"));
    EXPECT_THAT(notices.changed, ElementsAre(id));
    EXPECT_EQ(action(id).state, ActionState::Established);
    EXPECT_EQ(action(id).connections, 1U);

    EXPECT_TRUE(onUpdate(established(flowTo(41000))).empty());
    EXPECT_EQ(action(id).connections, 1U);
}

TEST_F(SessionRegistryEvents, ClosedCarriesTheCountersAndDurationAndReleasesThePort) {
    const ActionId id = singleUse();
    onNew(flowTo(41000));
    onUpdate(established(flowTo(41000)));
    clock.advance(2500ms);
    Flow last = established(flowTo(41000));
    last.fromClient = {3, 180};
    last.fromTarget = {2, 1200};
    const Notices notices = onDestroy(last);

    ASSERT_EQ(notices.connections.size(), 1U);
    const ConnectionNotice& notice = notices.connections[0];
    EXPECT_EQ(notice.kind, Kind::Closed);
    EXPECT_EQ(notice.owner, alice.name);
    EXPECT_EQ(notice.flow.fromClient, (FlowCounters{3, 180}));
    EXPECT_EQ(notice.flow.fromTarget, (FlowCounters{2, 1200}));
    EXPECT_EQ(notice.duration, 2500ms);
    EXPECT_TRUE(notices.ended.empty());
    ASSERT_EQ(notices.finished.size(), 1U) << "its last connection ended: the action is done";
    EXPECT_EQ(notices.finished[0].action, id);
    EXPECT_EQ(notices.finished[0].state, ActionState::Consumed);
    EXPECT_EQ(notices.finished[0].connections, 1U);
    EXPECT_TRUE(notices.finished[0].notify);
    EXPECT_TRUE(finished(id));
    EXPECT_TRUE(nft.active().empty());
    EXPECT_FALSE(reserved(41000));
}

// The gate refuses what no permission admits before conntrack keeps it, so a connection on
// an allocated port that did not go through its redirect predates it (its event was still
// queued when the port was allocated): it is deleted, or it would keep bypassing the
// redirect. One on a port nobody holds is only remembered.
TEST_F(SessionRegistryEvents, FlowsThatDidNotGoThroughTheRedirectAreDeletedAsStale) {
    Request request = targets({"198.51.100.2:80"});
    request.allowedSource = net::Prefix::parse("192.0.2.0/24");
    const ActionId id = redirectOne(openSession(), request);
    Flow stranger = flowTo(41000, "198.51.100.2:80", 2);
    stranger.client = net::Endpoint::parse("198.18.0.9:50000");
    const Flow elsewhere = flowTo(41000, "198.51.100.9:80", 3);

    EXPECT_TRUE(onNew(established(elsewhere)).empty());
    EXPECT_TRUE(onNew(established(stranger)).empty());
    EXPECT_TRUE(onNew(established(flowTo(41005, "198.51.100.2:80", 4))).empty());
    EXPECT_EQ(action(id).state, ActionState::Pending);
    EXPECT_EQ(action(id).connections, 0U);
    ASSERT_EQ(flows.removed().size(), 2U);
    EXPECT_EQ(flows.removed()[0].id, 3U);
    EXPECT_EQ(flows.removed()[1].id, 2U);
    EXPECT_EQ(portFlows.to(net::Transport::Tcp, {internal, 41005}).size(), 1U);
}

TEST_F(SessionRegistryEvents, AStaleFlowThatCannotBeDeletedIsReported) {
    redirectOne(openSession(), targets({"198.51.100.2:80"}));
    flows.failNextCall(Error(ErrorCode::Failed, "deleting stale conntrack entry", EPERM));
    const Notices notices = onNew(flowTo(41000, "198.51.100.9:80"));
    ASSERT_EQ(notices.errors.size(), 1U);
    EXPECT_EQ(notices.errors[0].errnum(), EPERM);
}

TEST_F(SessionRegistryEvents, EventsKeepTheIndexOfFlowsOnAllocatablePorts) {
    const Flow flow = flowTo(41003, "198.51.100.9:80", 5);
    onNew(flow);
    ASSERT_EQ(portFlows.to(net::Transport::Tcp, {internal, 41003}).size(), 1U);
    onDestroy(flow);
    EXPECT_TRUE(portFlows.to(net::Transport::Tcp, {internal, 41003}).empty());
    registry->resync({{flowTo(41004, "198.51.100.9:80", 6)}, {}});
    EXPECT_EQ(portFlows.to(net::Transport::Tcp, {internal, 41004}).size(), 1U);
}

TEST_F(SessionRegistryEvents, AllowMultipleCountsEveryConnectionAndKeepsThePort) {
    const ActionId id = multiUse();
    const Flow first = established(flowTo(41000, "198.51.100.2:80", 1));
    Flow second = established(flowTo(41000, "198.51.100.2:80", 2));
    second.client.port = 50001;

    EXPECT_EQ(onNew(first).connections.size(), 1U);
    EXPECT_EQ(onNew(second).connections.size(), 1U);
    EXPECT_EQ(action(id).connections, 2U);
    EXPECT_EQ(action(id).state, ActionState::Established);

    EXPECT_EQ(onDestroy(first).connections.at(0).kind, Kind::Closed);
    EXPECT_EQ(onDestroy(second).connections.at(0).kind, Kind::Closed);
    EXPECT_EQ(action(id).state, ActionState::Established);
    EXPECT_TRUE(reserved(41000));
    EXPECT_EQ(nft.active().size(), 1U);
}

TEST_F(SessionRegistryEvents, ConnectionThatNeverCameUpReportsNothingButUsesThePermission) {
    const ActionId id = singleUse();
    onNew(flowTo(41000));
    const Notices notices = onDestroy(flowTo(41000));

    EXPECT_TRUE(notices.connections.empty());
    EXPECT_TRUE(notices.ended.empty());
    ASSERT_EQ(notices.finished.size(), 1U);
    EXPECT_EQ(notices.finished[0].state, ActionState::Consumed);
    EXPECT_EQ(notices.finished[0].connections, 0U);
    EXPECT_TRUE(finished(id));
    EXPECT_FALSE(reserved(41000));
    EXPECT_TRUE(nft.active().empty());
}

TEST_F(SessionRegistryEvents, AdmittedConnectionOutlivesTheDeadline) {
    const ActionId id = redirectOne(openSession(), withTimeout(targets({"198.51.100.2:80"}), 1s));
    onNew(flowTo(41000));
    clock.advance(1s);

    EXPECT_TRUE(registry->expireDue().empty());
    EXPECT_EQ(action(id).state, ActionState::Consumed);
    EXPECT_TRUE(reserved(41000));
}

TEST_F(SessionRegistryEvents, UnusedPermissionStillExpiresAtTheDeadline) {
    const ActionId id = redirectOne(openSession(), withTimeout(targets({"198.51.100.2:80"}), 1s));
    clock.advance(1s);
    const Notices notices = registry->expireDue();

    ASSERT_EQ(notices.ended.size(), 1U);
    EXPECT_EQ(notices.ended[0].reason, EndReason::Timeout);
    ASSERT_EQ(notices.finished.size(), 1U);
    EXPECT_EQ(notices.finished[0].state, ActionState::Expired);
    EXPECT_TRUE(finished(id));
    EXPECT_FALSE(reserved(41000));
}

TEST_F(SessionRegistryEvents, MultiUsePortStaysAfterTheDeadlineUntilItsLastConnectionCloses) {
    const ActionId id =
        redirectOne(openSession(),
                    withTimeout(withFlags(targets({"198.51.100.2:80"}), flags::AllowMultiple), 1s));
    onNew(established(flowTo(41000)));
    clock.advance(1s);
    const Notices atDeadline = registry->expireDue();

    EXPECT_TRUE(atDeadline.ended.empty());
    EXPECT_THAT(atDeadline.changed, ElementsAre(id));
    EXPECT_EQ(action(id).state, ActionState::Consumed);
    EXPECT_TRUE(reserved(41000));

    EXPECT_EQ(onDestroy(established(flowTo(41000))).connections.size(), 1U);
    EXPECT_FALSE(reserved(41000));
    EXPECT_TRUE(nft.active().empty());
}

// A connection admitted before the deadline may complete its handshake after it.
TEST_F(SessionRegistryEvents, MultiUseConnectionEstablishedAfterTheDeadlineStillReleasesThePort) {
    const ActionId id =
        redirectOne(openSession(),
                    withTimeout(withFlags(targets({"198.51.100.2:80"}), flags::AllowMultiple), 1s));
    onNew(flowTo(41000));
    clock.advance(1s);
    registry->expireDue();

    EXPECT_EQ(onUpdate(established(flowTo(41000))).connections.size(), 1U);
    EXPECT_EQ(action(id).state, ActionState::Consumed);
    EXPECT_FALSE(action(id).permits());
    onDestroy(established(flowTo(41000)));
    EXPECT_FALSE(reserved(41000));
}

TEST_F(SessionRegistryEvents, ResyncReportsAnEstablishedConnectionOnce) {
    const ActionId id = singleUse();
    const ConntrackSnapshot snapshot{{established(flowTo(41000))}, {}};
    const Notices notices = registry->resync(snapshot);

    ASSERT_EQ(notices.connections.size(), 1U);
    EXPECT_EQ(notices.connections[0].kind, Kind::Established);
    EXPECT_EQ(action(id).state, ActionState::Established);
    EXPECT_TRUE(registry->resync(snapshot).empty());
}

TEST_F(SessionRegistryEvents, ResyncClosesAConnectionThatIsGone) {
    const ActionId id = singleUse();
    onNew(established(flowTo(41000)));
    const Notices notices = registry->resync({});

    ASSERT_EQ(notices.connections.size(), 1U);
    EXPECT_EQ(notices.connections[0].kind, Kind::Closed);
    EXPECT_EQ(notices.connections[0].flow.fromClient, FlowCounters{});
    EXPECT_EQ(notices.connections[0].flow.fromTarget, FlowCounters{});
    ASSERT_EQ(notices.finished.size(), 1U);
    EXPECT_EQ(notices.finished[0].state, ActionState::Consumed);
    EXPECT_TRUE(finished(id));
    EXPECT_FALSE(reserved(41000));
}

TEST_F(SessionRegistryEvents, ResyncTellsARecreatedConnectionFromTheOldOne) {
    const ActionId id = multiUse();
    onNew(established(flowTo(41000, "198.51.100.2:80", 1)));
    const Notices notices =
        registry->resync({{established(flowTo(41000, "198.51.100.2:80", 2))}, {}});

    ASSERT_EQ(notices.connections.size(), 2U);
    EXPECT_EQ(notices.connections[0].kind, Kind::Closed);
    EXPECT_EQ(notices.connections[0].flow.id, 1U);
    EXPECT_EQ(notices.connections[1].kind, Kind::Established);
    EXPECT_EQ(notices.connections[1].flow.id, 2U);
    EXPECT_EQ(action(id).connections, 2U);
    EXPECT_EQ(onDestroy(flowTo(41000, "198.51.100.2:80", 2)).connections.size(), 1U);
}

// Issue 13's flake: a UDP connection whose NEW and UPDATE were lost in an overrun and that
// timed out before a resync could see it is known by its DESTROY alone (the kernel
// redelivers DESTROY events, never NEW ones).
class LostUdpConnections : public SessionRegistryEvents {
protected:
    ActionId udpMultiUse() {
        Request request = withFlags(targets({"198.51.100.2:80"}), flags::AllowMultiple);
        request.transport = net::Transport::Udp;
        return redirectOne(openSession(), request);
    }
    Flow udpFlow(std::uint32_t id, bool answered) const {
        Flow flow = flowTo(41000, "198.51.100.2:80", id);
        flow.transport = net::Transport::Udp;
        flow.established = answered;
        flow.fromClient = {1, 30};
        flow.fromTarget = answered ? FlowCounters{1, 30} : FlowCounters{};
        return flow;
    }
};

TEST_F(LostUdpConnections, ADestroyAloneReportsTheWholeConnection) {
    const ActionId id = udpMultiUse();
    const Notices notices = onDestroy(udpFlow(7, true));

    ASSERT_EQ(notices.connections.size(), 2U);
    EXPECT_EQ(notices.connections[0].kind, Kind::Established);
    EXPECT_EQ(notices.connections[1].kind, Kind::Closed);
    EXPECT_EQ(notices.connections[1].flow.fromTarget, (FlowCounters{1, 30}));
    EXPECT_EQ(action(id).connections, 1U);
    // An unanswered one used the permission but was never established.
    const Notices unanswered = onDestroy(udpFlow(8, false));
    EXPECT_TRUE(unanswered.connections.empty());
    EXPECT_EQ(action(id).connections, 1U);
}

TEST_F(LostUdpConnections, ADestroyAfterTheResyncClosedItReportsNothingMore) {
    const ActionId id = udpMultiUse();
    onNew(udpFlow(7, true));
    const Notices resynced = registry->resync({});
    ASSERT_EQ(resynced.connections.size(), 1U);
    EXPECT_EQ(resynced.connections[0].kind, Kind::Closed);
    EXPECT_TRUE(onDestroy(udpFlow(7, true)).connections.empty());
    EXPECT_EQ(action(id).connections, 1U);
    // Once only: the same tuple with another conntrack id is another connection.
    EXPECT_EQ(onDestroy(udpFlow(9, true)).connections.size(), 2U);
}

TEST_F(LostUdpConnections, ATcpDestroyOfAnUntrackedConnectionStaysUnreported) {
    const ActionId id = multiUse();
    EXPECT_TRUE(onDestroy(established(flowTo(41000))).connections.empty());
    EXPECT_EQ(action(id).connections, 0U);
}

TEST_F(LostUdpConnections, ADestroyOfAConnectionThatBypassedTheRedirectIsIgnored) {
    const ActionId id = udpMultiUse();
    Flow stale = udpFlow(7, true);
    stale.target = net::Endpoint::parse("198.51.100.99:80");
    EXPECT_TRUE(onDestroy(stale).empty());
    EXPECT_EQ(action(id).connections, 0U);
    EXPECT_TRUE(flows.removed().empty());
}

} // namespace
} // namespace fwx::redirect::test
