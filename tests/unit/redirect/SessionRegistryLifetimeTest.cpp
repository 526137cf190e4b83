// How long an action and its connections last (issue 11, items 1-3 and 6): Closed when
// the connection ends, with counters read then and the ConnectionId of its Established;
// Closed also after Cancel and Close; ports held while connections through them live;
// actions leave when they admit nothing more and nothing lives through them; what no
// longer admits stops counting against the quota; a used expectation whose connection
// never shows gives its port back.
#include "redirect/SessionRegistryFixture.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace fwx::redirect::test {
namespace {

using namespace std::chrono_literals;
using Kind = ConnectionNotice::Kind;

class SessionRegistryLifetime : public SessionRegistryFixture {
protected:
    ActionId multiUse(SessionId session) {
        return redirectOne(session, withFlags(targets({"198.51.100.2:80"}), flags::AllowMultiple));
    }
    // A TCP connection through port 41000 that is up.
    Flow up(std::uint16_t clientPort, std::uint32_t id) const {
        Flow flow = established(flowTo(41000, "198.51.100.2:80", id));
        flow.client.port = clientPort;
        return flow;
    }
    // Its ConnectionId, from the Established its NEW event makes.
    ConnectionId connect(const Flow& flow) {
        const Notices notices = onNew(flow);
        EXPECT_EQ(notices.connections.size(), 1U);
        return notices.connections.empty() ? 0 : notices.connections[0].connection;
    }
    static Flow timeWait(Flow flow) {
        flow.ended = true;
        return flow;
    }
};

TEST_F(SessionRegistryLifetime,
       ATcpConnectionIsClosedWhenConntrackSaysItEndedWithCountersReadThen) {
    const ActionId id = redirectOne(openSession(), targets({"198.51.100.2:80"}));
    const Notices up = onNew(established(flowTo(41000)));
    ASSERT_EQ(up.connections.size(), 1U);
    const ConnectionId connection = up.connections[0].connection;
    EXPECT_NE(connection, 0U);

    Flow now = flowTo(41000);
    now.fromClient = {4, 240};
    now.fromTarget = {3, 5000};
    flows.hold(now);
    clock.advance(1500ms);
    const Notices over = onUpdate(timeWait(established(flowTo(41000))));

    EXPECT_EQ(flows.lookups(), 1U) << "one lookup of that entry, no dump";
    ASSERT_EQ(over.connections.size(), 1U);
    EXPECT_EQ(over.connections[0].kind, Kind::Closed);
    EXPECT_EQ(over.connections[0].connection, connection) << "the ConnectionId of Established";
    EXPECT_EQ(over.connections[0].flow.fromClient, (FlowCounters{4, 240}));
    EXPECT_EQ(over.connections[0].flow.fromTarget, (FlowCounters{3, 5000}));
    EXPECT_EQ(over.connections[0].duration, 1500ms);
    ASSERT_EQ(over.finished.size(), 1U);
    EXPECT_EQ(over.finished[0].action, id);
    EXPECT_FALSE(reserved(41000));

    EXPECT_TRUE(onDestroy(established(flowTo(41000))).connections.empty())
        << "the DESTROY after TIME_WAIT reports nothing more";
}

TEST_F(SessionRegistryLifetime, AnEndedConnectionWhoseEntryIsAlreadyGoneIsClosedByItsDestroy) {
    redirectOne(openSession(), targets({"198.51.100.2:80"}));
    onNew(established(flowTo(41000)));
    EXPECT_TRUE(onUpdate(timeWait(established(flowTo(41000)))).connections.empty());

    Flow last = established(flowTo(41000));
    last.fromClient = {2, 100};
    const Notices destroyed = onDestroy(last);
    ASSERT_EQ(destroyed.connections.size(), 1U);
    EXPECT_EQ(destroyed.connections[0].flow.fromClient, (FlowCounters{2, 100}));
}

TEST_F(SessionRegistryLifetime, EveryConnectionHasItsOwnId) {
    multiUse(openSession());
    const ConnectionId first = connect(up(50000, 1));
    const ConnectionId second = connect(up(50001, 2));
    EXPECT_NE(first, second);
    const Notices secondClosed = onDestroy(up(50001, 2));
    ASSERT_EQ(secondClosed.connections.size(), 1U);
    EXPECT_EQ(secondClosed.connections[0].connection, second);
    const ConnectionId third = connect(up(50001, 3));
    EXPECT_NE(third, second) << "a new connection on the same tuple is another connection";
}

// Cancel withdraws the permission at once; the connection goes on, the action stays
// (cancelled) and holds its port until the connection ends, then finishes.
TEST_F(SessionRegistryLifetime, CancelKeepsTheActionAndItsPortWhileItsConnectionLives) {
    const SessionId session = openSession();
    const ActionId id = multiUse(session);
    const Flow flow = up(50000, 1);
    connect(flow);

    const Notices cancelled = registry->cancel(id);
    ASSERT_EQ(cancelled.ended.size(), 1U);
    EXPECT_TRUE(cancelled.ended[0].notify);
    EXPECT_TRUE(cancelled.finished.empty());
    EXPECT_TRUE(nft.active().empty()) << "the permission is withdrawn";
    EXPECT_EQ(action(id).state, ActionState::Cancelled);
    EXPECT_TRUE(reserved(41000)) << "held for the live connection";
    EXPECT_EQ(registry->activeRedirects(), 0U);

    const ActionId next = multiUse(session);
    EXPECT_NE(action(next).redirect.internal.port, 41000) << "a held port is not handed out";

    const Notices closed = onDestroy(flow);
    ASSERT_EQ(closed.connections.size(), 1U);
    EXPECT_EQ(closed.connections[0].kind, Kind::Closed);
    ASSERT_EQ(closed.finished.size(), 1U);
    EXPECT_EQ(closed.finished[0].state, ActionState::Cancelled);
    EXPECT_EQ(closed.finished[0].connections, 1U);
    EXPECT_TRUE(finished(id));
    EXPECT_FALSE(reserved(41000));
}

TEST_F(SessionRegistryLifetime, CancelOfAnUnusedActionFinishesItAtOnce) {
    const ActionId id = redirectOne(openSession(), targets({"198.51.100.2:80"}));
    const Notices cancelled = registry->cancel(id);
    ASSERT_EQ(cancelled.finished.size(), 1U);
    EXPECT_TRUE(cancelled.finished[0].notify);
    EXPECT_TRUE(finished(id));
    EXPECT_FALSE(reserved(41000));
}

// Close takes the session's actions off the bus; the Closed of their live connections
// still reach the owner, and their ports stay held until they end.
TEST_F(SessionRegistryLifetime, ClosedStillReachesTheOwnerAfterTheSessionClosed) {
    const SessionId session = openSession();
    const ActionId id = multiUse(session);
    const ConnectionId connection = connect(up(50000, 1));

    const auto end = registry->closeSession(session, EndReason::SessionClosed);
    EXPECT_TRUE(end.finished.empty());
    EXPECT_EQ(registry->action(id), nullptr);
    EXPECT_TRUE(nft.active().empty());
    EXPECT_TRUE(reserved(41000));

    Flow last = up(50000, 1);
    last.fromTarget = {9, 9000};
    const Notices closed = onDestroy(last);
    ASSERT_EQ(closed.connections.size(), 1U);
    EXPECT_EQ(closed.connections[0].owner, alice.name);
    EXPECT_EQ(closed.connections[0].connection, connection);
    EXPECT_EQ(closed.connections[0].session, session);
    EXPECT_EQ(closed.connections[0].flow.fromTarget, (FlowCounters{9, 9000}));
    ASSERT_EQ(closed.finished.size(), 1U);
    EXPECT_TRUE(closed.finished[0].notify);
    EXPECT_FALSE(reserved(41000));
    EXPECT_EQ(registry->detachedActions(), 0U);
}

TEST_F(SessionRegistryLifetime, AVanishedOwnerIsToldNothingButItsPortsWaitForTheirConnections) {
    const SessionId session = openSession();
    multiUse(session);
    const Flow flow = up(50000, 1);
    connect(flow);
    registry->ownerVanished(alice.name);
    EXPECT_TRUE(reserved(41000));

    const Notices closed = onDestroy(flow);
    EXPECT_TRUE(closed.connections.empty());
    ASSERT_EQ(closed.finished.size(), 1U);
    EXPECT_FALSE(closed.finished[0].notify);
    EXPECT_FALSE(reserved(41000));
}

// MaxActionsPerClient counts the actions that may still admit a connection.
TEST_F(SessionRegistryLifetime, ActionsThatAdmitNothingMoreDoNotCountAgainstTheQuota) {
    SessionLimits limits;
    limits.maxActionsPerClient = 2;
    SessionRegistry two(*service, flows, portFlows, expectations, protocols, clock, limits);
    const SessionId session = two.openSession(alice, {}).id;
    const auto one = [&] {
        return two.redirect(session, withTimeout(targets({"198.51.100.2:80"}), 1s), "").actions[0];
    };
    one();
    one();
    EXPECT_THROW(one(), Error);
    clock.advance(1s);
    two.expireDue();
    EXPECT_TRUE(two.actions().empty()) << "expired unused: they left";

    const ActionId used = one();
    two.onFlow({FlowEventType::New, flowTo(two.action(used)->redirect.internal.port)});
    EXPECT_EQ(two.action(used)->state, ActionState::Consumed);
    EXPECT_NO_THROW(one());
    EXPECT_NO_THROW(one()) << "the consumed action does not count: it admits nothing more";
    EXPECT_THROW(one(), Error);
}

TEST_F(SessionRegistryLifetime, AnUsedExpectationWhoseConnectionNeverShowsGivesItsPortBack) {
    const SessionId session = openSessionOnPrimary("irc");
    const auto opened = registry->redirect(session, targets({"198.51.100.2:80"}), "");
    ASSERT_TRUE(opened.expected);
    const ActionId id = opened.actions[0];
    onExpectationDestroyed(41000, 20s);
    EXPECT_EQ(action(id).state, ActionState::Consumed);
    EXPECT_EQ(registry->nextDeadline(), clock.steadyNow() + SessionRegistry::UnconfirmedGrace);

    clock.advance(SessionRegistry::UnconfirmedGrace);
    const Notices notices = registry->expireDue();
    EXPECT_TRUE(notices.ended.empty()) << "it was used: nothing expired";
    ASSERT_EQ(notices.finished.size(), 1U);
    EXPECT_EQ(notices.finished[0].state, ActionState::Consumed);
    EXPECT_EQ(notices.finished[0].connections, 0U);
    EXPECT_FALSE(reserved(41000));
    EXPECT_TRUE(nft.active().empty());
}

TEST_F(SessionRegistryLifetime, AnUsedExpectationWhoseConnectionShowsKeepsItsPort) {
    const SessionId session = openSessionOnPrimary("irc");
    const ActionId id = registry->redirect(session, targets({"198.51.100.2:80"}), "").actions[0];
    onExpectationDestroyed(41000, 20s);
    onNew(expectedFlowTo(41000));
    clock.advance(SessionRegistry::UnconfirmedGrace);
    EXPECT_TRUE(registry->expireDue().finished.empty());
    EXPECT_EQ(action(id).state, ActionState::Consumed);
    EXPECT_TRUE(reserved(41000));
}

// Issue 11, item 5: every permission of a session ends with its primary, whether or not
// the primary carries a helper, as soon as conntrack reports the primary's end.
class FollowedPrimary : public SessionRegistryLifetime {
protected:
    Flow primaryFlow() const {
        Flow flow;
        flow.id = 77;
        flow.transport = primary.transport;
        flow.client = primary.client;
        flow.internal = primary.server;
        flow.target = primary.server;
        flow.source = primary.client;
        flow.established = true;
        return flow;
    }
    SessionId openOnTrackedPrimary() {
        flows.hold(primaryFlow());
        return registry->openSession(alice, {primary, ""}).id;
    }
};

TEST_F(FollowedPrimary, ItsEndEndsEveryOpenPermissionOfTheSession) {
    const SessionId session = openOnTrackedPrimary();
    EXPECT_EQ(registry->followedServers(), std::vector<net::Address>{primary.server.address});
    const auto opened =
        registry->redirect(session, targets({"198.51.100.2:80", "198.51.100.3:81"}), "");
    ASSERT_FALSE(opened.expected) << "no helper: plain nftables permissions";
    Flow used = flowTo(41000);
    used.client = primary.client; // the default AllowedSource: the primary's client
    used.client.port = 50000;
    onNew(established(used));

    const Notices notices = onDestroy(primaryFlow());
    ASSERT_EQ(notices.ended.size(), 1U);
    EXPECT_EQ(notices.ended[0].action, opened.actions[1]);
    EXPECT_EQ(notices.ended[0].reason, EndReason::PrimaryClosed);
    EXPECT_TRUE(notices.ended[0].notify);
    EXPECT_TRUE(finished(opened.actions[1]));
    EXPECT_FALSE(reserved(41001));
    EXPECT_EQ(action(opened.actions[0]).state, ActionState::Established)
        << "a connection already made goes on";
    EXPECT_TRUE(registry->followedServers().empty());
}

// A relay carries its connections: the primary's end stops it admitting, and it closes when
// its last connection ended.
TEST_F(FollowedPrimary, ItsEndLetsRelayedConnectionsFinish) {
    const SessionId session = openOnTrackedPrimary();
    const ActionId id = redirectOne(session, withFlags(targets({"198.51.100.2:80"}),
                                                       flags::NoKernelMode | flags::AllowMultiple));
    Flow relayed = established(flowTo(41000));
    relayed.client = primary.client;
    relayed.client.port = 50000;
    registry->onRelayed({FlowEventType::New, relayed});

    const Notices notices = onDestroy(primaryFlow());
    ASSERT_EQ(notices.ended.size(), 1U);
    EXPECT_EQ(notices.ended[0].reason, EndReason::PrimaryClosed);
    ASSERT_EQ(relays.stopped.size(), 1U);
    EXPECT_TRUE(relays.removed.empty()) << "the live connection is not cut";
    EXPECT_EQ(action(id).state, ActionState::Cancelled);

    const Notices over = registry->onRelayed({FlowEventType::Destroy, relayed});
    ASSERT_EQ(over.finished.size(), 1U);
    EXPECT_EQ(relays.removed.size(), 1U);
    EXPECT_FALSE(reserved(41000));
    EXPECT_EQ(registry->activeRedirects(), 0U);
}

TEST_F(FollowedPrimary, ATcpPrimaryEndsWhenConntrackSaysItClosed) {
    const SessionId session = openOnTrackedPrimary();
    const ActionId id = redirectOne(session, targets({"198.51.100.2:80"}));
    Flow closing = primaryFlow();
    closing.ended = true;
    const Notices notices = onUpdate(closing);
    ASSERT_EQ(notices.ended.size(), 1U);
    EXPECT_EQ(notices.ended[0].reason, EndReason::PrimaryClosed);
    EXPECT_TRUE(finished(id));
}

TEST_F(FollowedPrimary, AnUntrackedPrimaryIsNotFollowed) {
    const SessionId session = registry->openSession(alice, {primary, ""}).id;
    EXPECT_TRUE(registry->followedServers().empty());
    const ActionId id = redirectOne(session, targets({"198.51.100.2:80"}));
    EXPECT_TRUE(onDestroy(primaryFlow()).ended.empty());
    EXPECT_EQ(action(id).state, ActionState::Pending);
}

TEST_F(FollowedPrimary, AClosedSessionIsNoLongerFollowed) {
    const SessionId session = openOnTrackedPrimary();
    registry->closeSession(session, EndReason::SessionClosed);
    EXPECT_TRUE(registry->followedServers().empty());
    EXPECT_TRUE(onDestroy(primaryFlow()).empty());
}

} // namespace
} // namespace fwx::redirect::test
