// SessionRegistry's expectation-backed redirects: when they are hung on the primary
// connection, when they fall back to nft-only permissions, and what the kernel's
// expectation events do to them.
#include "redirect/ExpectationPlan.hpp"
#include "redirect/SessionRegistryFixture.hpp"

#include <functional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fwx::redirect::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

class SessionRegistryExpectations : public SessionRegistryFixture {
protected:
    static Request three() {
        return targets({"198.51.100.2:80", "198.51.100.3:81", "198.51.100.4:82"});
    }
    // The fwx::Error a call throws; Failed with a marker if it throws none.
    static Error errorOf(const std::function<void()>& call) {
        try {
            call();
        } catch (const Error& e) {
            return e;
        }
        ADD_FAILURE() << "no fwx::Error was thrown";
        return Error(ErrorCode::Failed, "(nothing thrown)");
    }
    void expectNothingLeft(SessionId session) {
        EXPECT_TRUE(nft.active().empty());
        EXPECT_TRUE(expectations.expectations().empty());
        EXPECT_TRUE(registry->actions().empty());
        EXPECT_EQ(ports.reservedCount(internal, net::Transport::Tcp), 0U);
        // The whole quota is still there: the request gets past the quota, to the ports.
        Request sixteen;
        for (std::uint16_t i = 0; i < 16; ++i) {
            sixteen.targets.push_back(net::Endpoint::parse("198.51.100.2:80"));
        }
        const Error error = errorOf([&] { registry->redirect(session, sixteen, ""); });
        EXPECT_NE(error.code(), ErrorCode::QuotaExceeded) << error.what();
    }
    void expectNotSupported(SessionId session, Request request, const std::string& reason) {
        const Error error =
            errorOf([&] { registry->redirect(session, std::move(request), "", true); });
        EXPECT_EQ(error.code(), ErrorCode::NotSupported);
        EXPECT_THAT(error.what(), HasSubstr(reason));
        expectNothingLeft(session);
    }
    SessionRegistry::Opened openExpected(Request request) {
        const SessionId session = openSessionOnPrimary("irc");
        SessionRegistry::Opened opened = registry->redirect(session, std::move(request), "");
        EXPECT_TRUE(opened.expected) << opened.expectationNote;
        return opened;
    }
};

TEST_F(SessionRegistryExpectations, RedirectsHangOnTheHelpedPrimary) {
    const auto opened = openExpected(three());

    EXPECT_TRUE(opened.expectationNote.empty());
    ASSERT_EQ(expectations.expectations().size(), 3U);
    for (std::uint16_t i = 0; i < 3; ++i) {
        const Expectation& expectation = expectations.expectations()[i];
        EXPECT_EQ(expectation.master.client, primary.client);
        EXPECT_EQ(expectation.master.server, primary.server);
        EXPECT_EQ(expectation.source, net::Prefix::parse("192.0.2.2/32"));
        EXPECT_EQ(expectation.destination, (net::Endpoint{internal, std::uint16_t(41000 + i)}));
        EXPECT_FALSE(expectation.permanent);
        EXPECT_EQ(expectation.timeout, SessionLongExpectation);
        EXPECT_TRUE(action(opened.actions[i]).redirect.expected);
    }
}

TEST_F(SessionRegistryExpectations, MultiUseIsPermanentAndTheTimeoutIsRoundedUp) {
    openExpected(withTimeout(withFlags(three(), flags::AllowMultiple), 1500ms));

    ASSERT_EQ(expectations.expectations().size(), 3U);
    EXPECT_TRUE(expectations.expectations()[0].permanent);
    EXPECT_EQ(expectations.expectations()[0].timeout, 2s);
}

TEST_F(SessionRegistryExpectations, RequiredWithoutAPrimaryIsNotSupported) {
    expectNotSupported(openSession(), three(), "no PrimaryConnection");
}

TEST_F(SessionRegistryExpectations, RequiredOnAnUntrackedPrimaryIsNotSupported) {
    const SessionId session = registry->openSession(alice, {primary, ""}).id;
    expectNotSupported(session, three(), "not tracked by conntrack");
}

TEST_F(SessionRegistryExpectations, RequiredOnAPrimaryWithoutHelperIsNotSupported) {
    expectNotSupported(openSessionOnPrimary(""), three(), "has no conntrack helper");
}

TEST_F(SessionRegistryExpectations, RequiredBeyondTheHelpersLimitIsNotSupported) {
    Request nine;
    for (std::uint16_t i = 0; i < 9; ++i) {
        nine.targets.push_back(net::Endpoint::parse("198.51.100.2:80"));
    }
    expectNotSupported(openSessionOnPrimary("irc"), nine, "keeps at most 8");
}

TEST_F(SessionRegistryExpectations, WithoutRequirementAnUnfitPrimaryGivesNftOnlyRedirects) {
    const SessionId session = openSessionOnPrimary("");
    const auto opened = registry->redirect(session, three(), "");

    EXPECT_FALSE(opened.expected);
    EXPECT_THAT(opened.expectationNote, HasSubstr("has no conntrack helper"));
    EXPECT_FALSE(action(opened.actions[0]).redirect.expected);
    EXPECT_TRUE(expectations.expectations().empty());
    EXPECT_EQ(nft.active().size(), 1U);
}

TEST_F(SessionRegistryExpectations, FailedCreateFallsBackToNftOnly) {
    const SessionId session = openSessionOnPrimary("irc");
    expectations.failNextCreate(Error(ErrorCode::Failed, "expectation: EBUSY"));
    const auto opened = registry->redirect(session, three(), "");

    EXPECT_FALSE(opened.expected);
    EXPECT_THAT(opened.expectationNote, HasSubstr("EBUSY"));
    EXPECT_TRUE(expectations.expectations().empty());
    ASSERT_EQ(nft.active().size(), 1U);
    for (const Redirect& redirect : nft.active().begin()->second.redirects) {
        EXPECT_FALSE(redirect.expected);
    }
    EXPECT_EQ(ports.reservedCount(internal, net::Transport::Tcp), 3U);
}

TEST_F(SessionRegistryExpectations, FailedCreateWhenRequiredLeavesNothing) {
    const SessionId session = openSessionOnPrimary("irc");
    expectations.failNextCreate(Error(ErrorCode::Failed, "expectation: EBUSY"));
    const Error error = errorOf([&] { registry->redirect(session, three(), "", true); });

    EXPECT_EQ(error.code(), ErrorCode::Failed);
    EXPECT_THAT(error.what(), HasSubstr("EBUSY"));
    expectNothingLeft(session);
}

TEST_F(SessionRegistryExpectations, ExpiredExpectationEndsThePermission) {
    const auto opened = openExpected(withTimeout(three(), 10s));
    const Notices notices = onExpectationDestroyed(41000, 0s);

    ASSERT_EQ(notices.ended.size(), 1U);
    EXPECT_EQ(notices.ended[0].action, opened.actions[0]);
    EXPECT_EQ(notices.ended[0].reason, EndReason::Timeout);
    ASSERT_EQ(notices.finished.size(), 1U);
    EXPECT_EQ(notices.finished[0].state, ActionState::Expired);
    EXPECT_TRUE(finished(opened.actions[0]));
    EXPECT_FALSE(reserved(41000));
    EXPECT_TRUE(reserved(41001));
    EXPECT_EQ(expectations.expectations().size(), 2U);
}

TEST_F(SessionRegistryExpectations, UsedExpectationConsumesThenItsConnectionIsEstablished) {
    const auto opened = openExpected(three());
    const ActionId id = opened.actions[1];
    const Notices used = onExpectationDestroyed(41001, 20s);

    EXPECT_TRUE(used.ended.empty());
    EXPECT_EQ(action(id).state, ActionState::Consumed);
    EXPECT_TRUE(reserved(41001));

    onNew(expectedFlowTo(41001, "198.51.100.3:81"));
    const Notices up = onUpdate(established(expectedFlowTo(41001, "198.51.100.3:81")));
    ASSERT_EQ(up.connections.size(), 1U);
    EXPECT_EQ(up.connections[0].kind, ConnectionNotice::Kind::Established);
    EXPECT_EQ(up.connections[0].action, id);
    EXPECT_EQ(action(id).state, ActionState::Established);
}

// The kernel sends the EXP DESTROY first, but a listener that reads conntrack and expectation
// events from separate sockets may hand over the connection first.
TEST_F(SessionRegistryExpectations, ConnectionReportedBeforeTheExpectationsDestroyIsTheSame) {
    const auto opened = openExpected(three());
    onNew(expectedFlowTo(41000));

    EXPECT_TRUE(onExpectationDestroyed(41000, 20s).empty());
    EXPECT_EQ(action(opened.actions[0]).state, ActionState::Consumed);
    EXPECT_EQ(onUpdate(established(expectedFlowTo(41000))).connections.size(), 1U);
}

// nft holds no permission for an expected redirect: only a RELATED connection went through.
TEST_F(SessionRegistryExpectations, ConnectionWithoutTheMasterIsIgnored) {
    const auto opened = openExpected(three());

    EXPECT_TRUE(onNew(established(flowTo(41000))).empty());
    EXPECT_EQ(action(opened.actions[0]).state, ActionState::Pending);
}

TEST_F(SessionRegistryExpectations, PrimaryClosedEndsEveryPendingPermission) {
    const auto opened = openExpected(three());
    expectations.removePrimary(primary);
    Expectation gone = expectationFor(primary, action(opened.actions[0]).redirect);
    gone.timeout = 20s;
    const Notices notices = registry->onExpectation({ExpectationEventType::Destroy, gone});

    ASSERT_EQ(notices.ended.size(), 3U);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(notices.ended[i].action, opened.actions[i]);
        EXPECT_EQ(notices.ended[i].reason, EndReason::PrimaryClosed);
        EXPECT_TRUE(notices.ended[i].notify);
        EXPECT_TRUE(finished(opened.actions[i])) << "nothing lives through it";
    }
    ASSERT_EQ(notices.finished.size(), 3U);
    EXPECT_EQ(notices.finished[0].state, ActionState::Cancelled);
    EXPECT_TRUE(nft.active().empty());
    EXPECT_EQ(ports.reservedCount(internal, net::Transport::Tcp), 0U);
}

// Connections already made through a permission go on when the primary closes; the port
// goes back with the last of them.
TEST_F(SessionRegistryExpectations, PrimaryClosedKeepsThePortUntilItsConnectionsClose) {
    const auto opened = openExpected(withFlags(three(), flags::AllowMultiple));
    onNew(established(expectedFlowTo(41000)));
    Expectation gone = expectations.expectations()[0];
    expectations.removePrimary(primary);
    gone.timeout = 20s;
    registry->onExpectation({ExpectationEventType::Destroy, gone});

    EXPECT_EQ(action(opened.actions[0]).state, ActionState::Cancelled);
    EXPECT_TRUE(reserved(41000));
    EXPECT_FALSE(reserved(41001));

    EXPECT_EQ(onDestroy(established(expectedFlowTo(41000))).connections.size(), 1U);
    EXPECT_FALSE(reserved(41000));
    EXPECT_TRUE(nft.active().empty());
}

TEST_F(SessionRegistryExpectations, ResyncTakesAMissingExpectationAsUsed) {
    const auto opened = openExpected(three());
    ConntrackSnapshot snapshot{{}, expectations.expectations()};
    snapshot.expectations.erase(snapshot.expectations.begin());
    const Notices notices = registry->resync(snapshot);

    EXPECT_TRUE(notices.ended.empty());
    EXPECT_EQ(action(opened.actions[0]).state, ActionState::Consumed);
    EXPECT_EQ(action(opened.actions[1]).state, ActionState::Pending);
    EXPECT_TRUE(registry->resync(snapshot).empty());
}

TEST_F(SessionRegistryExpectations, ResyncTakesAMissingExpectationAtItsDeadlineAsExpired) {
    const auto opened = openExpected(withTimeout(three(), 10s));
    clock.advance(9500ms);
    ConntrackSnapshot snapshot{{}, expectations.expectations()};
    snapshot.expectations.erase(snapshot.expectations.begin());
    const Notices notices = registry->resync(snapshot);

    ASSERT_EQ(notices.ended.size(), 1U);
    EXPECT_EQ(notices.ended[0].reason, EndReason::Timeout);
    EXPECT_FALSE(reserved(41000));
    EXPECT_EQ(action(opened.actions[1]).state, ActionState::Pending);
}

TEST_F(SessionRegistryExpectations, ResyncWithoutThePrimaryEndsEveryPermission) {
    openExpected(three());
    expectations.removePrimary(primary);
    const Notices notices = registry->resync({});

    ASSERT_EQ(notices.ended.size(), 3U);
    EXPECT_EQ(notices.ended[2].reason, EndReason::PrimaryClosed);
    EXPECT_TRUE(nft.active().empty());
}

TEST_F(SessionRegistryExpectations, CancelRemovesTheActionsExpectation) {
    const auto opened = openExpected(three());
    registry->cancel(opened.actions[1]);

    ASSERT_EQ(expectations.expectations().size(), 2U);
    EXPECT_EQ(expectations.expectations()[0].destination.port, 41000);
    EXPECT_EQ(expectations.expectations()[1].destination.port, 41002);
}

TEST_F(SessionRegistryExpectations, CloseSessionRemovesEveryExpectation) {
    const auto opened = openExpected(three());
    registry->closeSession(action(opened.actions[0]).session, EndReason::SessionClosed);

    EXPECT_TRUE(expectations.expectations().empty());
    EXPECT_TRUE(nft.active().empty());
}

} // namespace
} // namespace fwx::redirect::test
