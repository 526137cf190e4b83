// User-mode redirects (NO_KERNEL_MODE, issue 12): the relay backend serves them instead of
// nft; what their relays report is followed like conntrack's events of kernel-mode ones,
// and the kernel's own entries of their client legs are neither followed nor removed.
#include "redirect/SessionRegistryFixture.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fwx::redirect::test {
namespace {

using namespace std::chrono_literals;
using Kind = ConnectionNotice::Kind;

class SessionRegistryUserMode : public SessionRegistryFixture {
protected:
    ActionId userMode(SessionId session, std::uint32_t more = 0) {
        return redirectOne(session,
                           withFlags(targets({"198.51.100.2:80"}), flags::NoKernelMode | more));
    }
    // A relayed connection on 41000 as the relay reports it: the outbound leg's source is
    // the firewall's, never the client.
    Flow relayed(std::uint16_t clientPort = 50000) const {
        Flow flow = flowTo(41000);
        flow.client.port = clientPort;
        flow.source = net::Endpoint::parse("198.51.100.1:33000");
        return flow;
    }
    Notices relayNew(const Flow& flow) { return registry->onRelayed({FlowEventType::New, flow}); }
    Notices relayUp(const Flow& flow) {
        return registry->onRelayed({FlowEventType::Update, established(flow)});
    }
    Notices relayEnd(Flow flow, std::uint64_t up, std::uint64_t down) {
        flow.fromClient.bytes = up;
        flow.fromTarget.bytes = down;
        return registry->onRelayed({FlowEventType::Destroy, established(flow)});
    }
    // The kernel's entry of the relay's client leg: delivered locally, replies from the
    // internal port itself.
    Flow clientLeg() const {
        Flow flow = flowTo(41000);
        flow.target = flow.internal;
        return flow;
    }
};

TEST_F(SessionRegistryUserMode, IsRelayedAndNothingGoesToNft) {
    const ActionId id = userMode(openSession());
    EXPECT_TRUE(action(id).redirect.userMode);
    ASSERT_EQ(relays.relaying.size(), 1U);
    EXPECT_EQ(relays.relaying[0].internal, (net::Endpoint{internal, 41000}));
    EXPECT_TRUE(nft.active().empty());
    EXPECT_EQ(registry->activeRedirects(), 1U);
}

TEST_F(SessionRegistryUserMode, ARelayThatCannotBindRefusesTheRequestAndFreesItsPorts) {
    const SessionId session = openSession();
    relays.failNextAdd(Error(ErrorCode::Failed, "binding 203.0.113.1:41000", EADDRINUSE));
    EXPECT_THROW(userMode(session), Error);
    EXPECT_TRUE(registry->session(session)->actions.empty());
    EXPECT_FALSE(reserved(41000));
    EXPECT_EQ(registry->activeRedirects(), 0U);
}

TEST_F(SessionRegistryUserMode, ARelayedConnectionIsEstablishedAndClosedLikeAKernelOne) {
    const ActionId id = userMode(openSession());
    const Notices admitted = relayNew(relayed());
    EXPECT_TRUE(admitted.connections.empty());
    EXPECT_EQ(action(id).state, ActionState::Consumed) << "the single use is spent";

    const Notices up = relayUp(relayed());
    ASSERT_EQ(up.connections.size(), 1U);
    EXPECT_EQ(up.connections[0].kind, Kind::Established);
    EXPECT_EQ(up.connections[0].flow.source, net::Endpoint::parse("198.51.100.1:33000"));
    EXPECT_EQ(action(id).state, ActionState::Established);

    clock.advance(2s);
    const Notices over = relayEnd(relayed(), 1000, 50000);
    ASSERT_EQ(over.connections.size(), 1U);
    EXPECT_EQ(over.connections[0].kind, Kind::Closed);
    EXPECT_EQ(over.connections[0].connection, up.connections[0].connection);
    EXPECT_EQ(over.connections[0].flow.fromClient, (FlowCounters{0, 1000}));
    EXPECT_EQ(over.connections[0].flow.fromTarget, (FlowCounters{0, 50000}));
    EXPECT_EQ(over.connections[0].duration, 2s);
    ASSERT_EQ(over.finished.size(), 1U);
    EXPECT_EQ(relays.removed.size(), 1U) << "the spent relay closes with its action";
    EXPECT_FALSE(reserved(41000));
}

TEST_F(SessionRegistryUserMode, TheKernelEntryOfTheClientLegIsNeitherFollowedNorRemoved) {
    const ActionId id = userMode(openSession());
    EXPECT_TRUE(onNew(clientLeg()).empty());
    EXPECT_TRUE(flows.removed().empty()) << "removing it would disturb the relay's socket";
    EXPECT_EQ(action(id).state, ActionState::Pending);

    relayNew(relayed());
    relayUp(relayed());
    EXPECT_TRUE(onUpdate(established(clientLeg())).empty());
    EXPECT_TRUE(onDestroy(clientLeg()).empty()) << "only the relay says when it ended";
    EXPECT_EQ(action(id).state, ActionState::Established);
    EXPECT_TRUE(flows.removed().empty());
}

TEST_F(SessionRegistryUserMode, AResyncKeepsRelayedConnections) {
    const ActionId id = userMode(openSession());
    relayNew(relayed());
    relayUp(relayed());
    const Notices resynced = registry->resync({});
    EXPECT_TRUE(resynced.connections.empty()) << "conntrack does not hold relayed connections";
    EXPECT_EQ(action(id).state, ActionState::Established);
    EXPECT_EQ(relayEnd(relayed(), 1, 1).connections.size(), 1U);
}

TEST_F(SessionRegistryUserMode, CancelClosesTheRelayAndItsConnectionsThenTheirClosedFollows) {
    const ActionId id = userMode(openSession(), flags::AllowMultiple);
    relayNew(relayed());
    relayUp(relayed());
    const Notices cancelled = registry->cancel(id);
    ASSERT_EQ(relays.removed.size(), 1U);
    EXPECT_TRUE(cancelled.finished.empty()) << "until the relay reports the cut connection";
    EXPECT_TRUE(reserved(41000));

    const Notices cut = relayEnd(relayed(), 10, 20);
    ASSERT_EQ(cut.connections.size(), 1U);
    EXPECT_EQ(cut.connections[0].kind, Kind::Closed);
    ASSERT_EQ(cut.finished.size(), 1U);
    EXPECT_FALSE(reserved(41000));
}

TEST_F(SessionRegistryUserMode, ALapsedMultiUsePermissionStopsTheRelayAdmitting) {
    const ActionId id = redirectOne(
        openSession(), withTimeout(withFlags(targets({"198.51.100.2:80"}),
                                             flags::NoKernelMode | flags::AllowMultiple),
                                   5s));
    relayNew(relayed());
    relayUp(relayed());
    clock.advance(5s);
    registry->expireDue();
    ASSERT_EQ(relays.stopped.size(), 1U);
    EXPECT_TRUE(relays.removed.empty()) << "its live connection goes on";
    EXPECT_EQ(action(id).state, ActionState::Consumed);
    EXPECT_EQ(relayEnd(relayed(), 1, 1).finished.size(), 1U);
    EXPECT_EQ(relays.removed.size(), 1U);
}

TEST_F(SessionRegistryUserMode, AnUnusedPermissionExpiresAndItsRelayCloses) {
    const ActionId id =
        redirectOne(openSession(),
                    withTimeout(withFlags(targets({"198.51.100.2:80"}), flags::NoKernelMode), 5s));
    clock.advance(5s);
    const Notices due = registry->expireDue();
    ASSERT_EQ(due.ended.size(), 1U);
    EXPECT_EQ(due.ended[0].reason, EndReason::Timeout);
    EXPECT_TRUE(finished(id));
    EXPECT_EQ(relays.removed.size(), 1U);
    EXPECT_FALSE(reserved(41000));
}

TEST_F(SessionRegistryUserMode, CannotBeBackedByAnExpectation) {
    const SessionId session = openSessionOnPrimary("ftp");
    try {
        registry->redirect(session, withFlags(targets({"198.51.100.2:80"}), flags::NoKernelMode),
                           "", true);
        FAIL() << "RequireExpectation with NO_KERNEL_MODE was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::NotSupported);
        EXPECT_THAT(e.what(), ::testing::HasSubstr("NO_KERNEL_MODE"));
    }
    const ActionId id = userMode(session);
    EXPECT_FALSE(action(id).redirect.expected) << "without the insistence, a plain relay";
    EXPECT_TRUE(expectations.expectations().empty());
}

} // namespace
} // namespace fwx::redirect::test
