#include "redirect/ConnectionTracker.hpp"

#include <gtest/gtest.h>

namespace fwx::redirect {
namespace {

net::Endpoint internalPort(std::uint16_t port) {
    return {net::Address::parse("203.0.113.1"), port};
}

Flow flowTo(const net::Endpoint& internal, std::uint16_t clientPort = 50000, std::uint32_t id = 1) {
    Flow flow;
    flow.id = id;
    flow.client = net::Endpoint::parse("192.0.2.2:50000");
    flow.client.port = clientPort;
    flow.internal = internal;
    flow.target = net::Endpoint::parse("198.51.100.2:80");
    flow.source = flow.client;
    return flow;
}

TEST(ConnectionTracker, RoutesAreKeyedByTransportAndInternalEndpoint) {
    ConnectionTracker tracker;
    tracker.route(net::Transport::Tcp, internalPort(41000), 7);

    EXPECT_EQ(tracker.routeOf(net::Transport::Tcp, internalPort(41000)), 7U);
    EXPECT_FALSE(tracker.routeOf(net::Transport::Udp, internalPort(41000)));
    EXPECT_FALSE(tracker.routeOf(net::Transport::Tcp, internalPort(41001)));

    tracker.route(net::Transport::Tcp, internalPort(41000), 8);
    EXPECT_EQ(tracker.routeOf(net::Transport::Tcp, internalPort(41000)), 8U);
    tracker.unroute(net::Transport::Tcp, internalPort(41000));
    EXPECT_FALSE(tracker.routeOf(net::Transport::Tcp, internalPort(41000)));
}

TEST(ConnectionTracker, FindsATrackedFlowByTupleAndConntrackId) {
    ConnectionTracker tracker;
    tracker.track(7, 1, flowTo(internalPort(41000)));

    const TrackedFlow* found = tracker.find(flowTo(internalPort(41000)));
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->action, 7U);
    EXPECT_FALSE(found->establishedAt);
    EXPECT_EQ(tracker.find(flowTo(internalPort(41000), 50000, 2)), nullptr);
    EXPECT_EQ(tracker.find(flowTo(internalPort(41000), 50001)), nullptr);
    EXPECT_EQ(tracker.find(flowTo(internalPort(41001))), nullptr);
}

TEST(ConnectionTracker, ARecreatedTupleReplacesTheOldFlow) {
    ConnectionTracker tracker;
    tracker.track(7, 1, flowTo(internalPort(41000), 50000, 1));
    tracker.track(7, 1, flowTo(internalPort(41000), 50000, 2));

    EXPECT_EQ(tracker.liveFlowsOf(7), 1U);
    EXPECT_EQ(tracker.find(flowTo(internalPort(41000), 50000, 1)), nullptr);
    EXPECT_NE(tracker.find(flowTo(internalPort(41000), 50000, 2)), nullptr);
}

TEST(ConnectionTracker, CountsAndUntracksFlowsPerAction) {
    ConnectionTracker tracker;
    tracker.track(7, 1, flowTo(internalPort(41000), 50000));
    tracker.track(7, 1, flowTo(internalPort(41000), 50001));
    tracker.track(8, 1, flowTo(internalPort(41001)));

    EXPECT_EQ(tracker.liveFlowsOf(7), 2U);
    EXPECT_EQ(tracker.liveFlowsOf(8), 1U);
    tracker.untrack(FlowKey::of(flowTo(internalPort(41000), 50001)));
    EXPECT_EQ(tracker.liveFlowsOf(7), 1U);
    EXPECT_EQ(tracker.flows().size(), 2U);
}

TEST(ConnectionTracker, ForgettingAnActionDropsItsFlowsAndRoutesOnly) {
    ConnectionTracker tracker;
    tracker.route(net::Transport::Tcp, internalPort(41000), 7);
    tracker.route(net::Transport::Tcp, internalPort(41001), 8);
    tracker.track(7, 1, flowTo(internalPort(41000)));
    tracker.track(8, 1, flowTo(internalPort(41001)));
    tracker.forgetAction(7, net::Transport::Tcp, internalPort(41000));

    EXPECT_FALSE(tracker.routeOf(net::Transport::Tcp, internalPort(41000)));
    EXPECT_EQ(tracker.routes(), 1U);
    EXPECT_EQ(tracker.liveFlowsOf(7), 0U);
    EXPECT_EQ(tracker.routeOf(net::Transport::Tcp, internalPort(41001)), 8U);
    EXPECT_EQ(tracker.liveFlowsOf(8), 1U);
    EXPECT_EQ(tracker.flows().size(), 1U);
}

// The port went to another action meanwhile: forgetting the old one leaves the new route.
TEST(ConnectionTracker, ForgettingAnActionLeavesItsPortsNewRoute) {
    ConnectionTracker tracker;
    tracker.route(net::Transport::Tcp, internalPort(41000), 7);
    tracker.route(net::Transport::Tcp, internalPort(41000), 9);
    tracker.forgetAction(7, net::Transport::Tcp, internalPort(41000));
    EXPECT_EQ(tracker.routeOf(net::Transport::Tcp, internalPort(41000)), 9U);
}

} // namespace
} // namespace fwx::redirect
