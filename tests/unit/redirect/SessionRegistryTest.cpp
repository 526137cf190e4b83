#include "redirect/SessionRegistry.hpp"

#include "error/Error.hpp"
#include "fakes/FakeClock.hpp"
#include "fakes/FakeExpectationBackend.hpp"
#include "fakes/FakeFlowTable.hpp"
#include "fakes/FakeHost.hpp"
#include "fakes/FakeNftBackend.hpp"
#include "fakes/FakeRelayBackend.hpp"

#include <functional>
#include <memory>
#include <string>

#include <gtest/gtest.h>

namespace fwx::redirect {
namespace {

using namespace std::chrono_literals;

class SessionRegistryTest : public ::testing::Test {
protected:
    const net::Address internal = net::Address::parse("203.0.113.1");
    const Owner alice{":1.7", 1000};
    const Owner bob{":1.8", 1001};

    SessionRegistryTest() {
        host.addLocalAddress(internal);
        portFlows.reset({}); // as the daemon's first dump does
        ValidatorLimits validatorLimits;
        validatorLimits.internalAddresses = {internal};
        service = std::make_unique<Service>(RequestValidator(validatorLimits, host), ports, nft,
                                            relays, flows, portFlows);
        SessionLimits limits;
        limits.maxSessionsPerClient = 2;
        limits.maxActionsPerClient = 4;
        limits.maxSessionsPerUser = 3;
        limits.maxActionsPerUser = 6;
        registry = std::make_unique<SessionRegistry>(*service, flows, portFlows, expectations,
                                                     protocols, clock, limits);
    }

    static Request targets(std::initializer_list<const char*> endpoints) {
        Request request;
        for (const char* endpoint : endpoints) {
            request.targets.push_back(net::Endpoint::parse(endpoint));
        }
        return request;
    }

    static Request withTimeout(Request request, std::chrono::microseconds timeout) {
        request.flags |= flags::Timeout;
        request.timeout = timeout;
        return request;
    }

    SessionId openSession(const Owner& owner = {":1.7", 1000}) {
        return registry->openSession(owner, {}).id;
    }

    static ErrorCode codeOf(const std::function<void()>& call) {
        try {
            call();
        } catch (const Error& e) {
            return e.code();
        }
        return ErrorCode::Failed; // never expected: every caller expects a specific code
    }

    fakes::FakeHost host;
    fakes::FakeNftBackend nft;
    fakes::FakeRelayBackend relays;
    fakes::FakeFlowTable flows;
    fakes::FakeExpectationBackend expectations;
    fakes::FakeClock clock;
    ProtocolRegistry protocols{nft};
    PortAllocator ports{PortRange(41000, 41009), host, [](std::uint32_t) {
                            return 0U;
                        }};
    PortFlows portFlows{PortRange(41000, 41009), 1024};
    std::unique_ptr<Service> service;
    std::unique_ptr<SessionRegistry> registry;
};

TEST_F(SessionRegistryTest, RedirectMakesOneActionPerTargetInTargetOrder) {
    const SessionId session = openSession();
    const auto opened =
        registry->redirect(session, targets({"198.51.100.2:80", "198.51.100.3:81"}), "");

    EXPECT_EQ(opened.internalAddress, internal);
    EXPECT_EQ(opened.basePort, 41000);
    ASSERT_EQ(opened.actions.size(), 2U);
    for (std::size_t i = 0; i < 2; ++i) {
        const Action* action = registry->action(opened.actions[i]);
        ASSERT_NE(action, nullptr);
        EXPECT_EQ(action->redirect.internal.port, 41000 + i);
        EXPECT_EQ(action->state, ActionState::Pending);
        EXPECT_FALSE(action->expiresAt);
    }
    EXPECT_EQ(registry->action(opened.actions[1])->redirect.target.port, 81);
    EXPECT_EQ(registry->session(session)->actions,
              std::set<ActionId>(opened.actions.begin(), opened.actions.end()));
    EXPECT_EQ(nft.active().size(), 1U);
}

TEST_F(SessionRegistryTest, PrimaryConnectionsClientIsTheDefaultAllowedSource) {
    SessionOptions options;
    options.primary = PrimaryConnection{net::Transport::Tcp, net::Endpoint::parse("192.0.2.2:5000"),
                                        net::Endpoint::parse("203.0.113.1:21")};
    const SessionId session = registry->openSession(alice, options).id;
    const auto opened = registry->redirect(session, targets({"198.51.100.2:80"}), "");

    EXPECT_EQ(registry->action(opened.actions[0])->redirect.allowedSource,
              net::Prefix::parse("192.0.2.2/32"));
}

TEST_F(SessionRegistryTest, ExplicitAllowedSourceWinsOverThePrimary) {
    SessionOptions options;
    options.primary = PrimaryConnection{net::Transport::Tcp, net::Endpoint::parse("192.0.2.2:5000"),
                                        net::Endpoint::parse("203.0.113.1:21")};
    const SessionId session = registry->openSession(alice, options).id;
    Request request = targets({"198.51.100.2:80"});
    request.allowedSource = net::Prefix::parse("192.0.2.0/24");
    const auto opened = registry->redirect(session, request, "");

    EXPECT_EQ(registry->action(opened.actions[0])->redirect.allowedSource,
              net::Prefix::parse("192.0.2.0/24"));
}

TEST_F(SessionRegistryTest, SessionQuotaIsPerOwner) {
    openSession(alice);
    openSession(alice);
    EXPECT_EQ(codeOf([&] { openSession(alice); }), ErrorCode::QuotaExceeded);
    EXPECT_NO_THROW(openSession(bob));
}

TEST_F(SessionRegistryTest, ActionQuotaCountsEverySessionOfTheOwnerAndProgramsNothing) {
    const SessionId first = openSession(alice);
    const SessionId second = openSession(alice);
    registry->redirect(first, targets({"198.51.100.2:80", "198.51.100.2:81", "198.51.100.2:82"}),
                       "");
    const unsigned calls = nft.calls();

    std::string message;
    try {
        registry->redirect(second, targets({"198.51.100.2:83", "198.51.100.2:84"}), "");
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::QuotaExceeded);
        message = e.what();
    }
    EXPECT_EQ(message, ":1.7 has 3 actions and asked for 2 more, above the limit of 4 "
                       "(MaxActionsPerClient in fwxd.conf)");
    EXPECT_EQ(nft.calls(), calls);
    EXPECT_EQ(ports.reservedCount(internal, net::Transport::Tcp), 3U);
}

// One uid's connections share the per-user quotas: more connections buy no more.
TEST_F(SessionRegistryTest, PerUserQuotasCountEveryConnectionOfTheUid) {
    const Owner first{":1.20", 1500};
    const Owner second{":1.21", 1500};
    const Owner third{":1.22", 1500};
    const SessionId ofFirst = openSession(first);
    openSession(first);
    const SessionId ofSecond = openSession(second);
    const auto messageOf = [](const std::function<void()>& call) {
        try {
            call();
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::QuotaExceeded);
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(messageOf([&] { openSession(second); }),
              "uid 1500 already has 3 sessions open over all its bus connections, the limit "
              "(MaxSessionsPerUser in fwxd.conf)");
    EXPECT_NO_THROW(openSession(bob)) << "another uid is not held back";

    // A closed session gives its place back; then 4 actions on one connection, 3 more
    // asked for on another: within MaxActionsPerClient (4), above MaxActionsPerUser (6).
    registry->closeSession(ofSecond, EndReason::SessionClosed);
    const auto four =
        targets({"198.51.100.2:80", "198.51.100.2:81", "198.51.100.2:82", "198.51.100.2:83"});
    registry->redirect(openSession(third), four, "");
    const unsigned calls = nft.calls();
    EXPECT_EQ(messageOf([&] {
                  registry->redirect(
                      ofFirst, targets({"198.51.100.2:84", "198.51.100.2:85", "198.51.100.2:86"}),
                      "");
              }),
              "uid 1500 has 4 actions over all its bus connections and asked for 3 more, above "
              "the limit of 6 (MaxActionsPerUser in fwxd.conf)");
    EXPECT_EQ(nft.calls(), calls);
    EXPECT_NO_THROW(registry->redirect(ofFirst, targets({"198.51.100.2:84"}), ""));
}

TEST_F(SessionRegistryTest, ClosedSessionsGiveTheirQuotaBack) {
    const SessionId session = openSession(alice);
    registry->redirect(
        session,
        targets({"198.51.100.2:80", "198.51.100.2:81", "198.51.100.2:82", "198.51.100.2:83"}), "");
    registry->closeSession(session, EndReason::SessionClosed);
    EXPECT_NO_THROW(registry->redirect(openSession(alice), targets({"198.51.100.2:80"}), ""));
}

TEST_F(SessionRegistryTest, CloseSessionRemovesEverythingAndReportsPendingActions) {
    const SessionId session = openSession();
    const auto opened =
        registry->redirect(session, targets({"198.51.100.2:80", "198.51.100.3:81"}), "");
    const auto end = registry->closeSession(session, EndReason::SessionClosed);

    ASSERT_EQ(end.ended.size(), 2U);
    EXPECT_EQ(end.ended[0].action, opened.actions[0]);
    EXPECT_EQ(end.ended[0].owner, ":1.7");
    EXPECT_EQ(end.ended[0].reason, EndReason::SessionClosed);
    EXPECT_TRUE(end.ended[0].notify);
    EXPECT_TRUE(end.cleanupErrors.empty());
    EXPECT_TRUE(nft.active().empty());
    EXPECT_EQ(ports.reservedCount(internal, net::Transport::Tcp), 0U);
    EXPECT_EQ(registry->session(session), nullptr);
    EXPECT_TRUE(registry->actions().empty());
}

TEST_F(SessionRegistryTest, OwnerVanishingClosesAllItsSessionsOnly) {
    registry->redirect(openSession(alice), targets({"198.51.100.2:80"}), "");
    registry->redirect(openSession(alice), targets({"198.51.100.2:81"}), "");
    const SessionId bobs = openSession(bob);
    registry->redirect(bobs, targets({"198.51.100.2:82"}), "");

    const auto end = registry->ownerVanished(":1.7");
    ASSERT_EQ(end.ended.size(), 2U);
    EXPECT_EQ(end.ended[1].reason, EndReason::OwnerVanished);
    EXPECT_FALSE(end.ended[0].notify) << "nobody is left to tell";
    EXPECT_FALSE(end.ended[1].notify);
    ASSERT_EQ(registry->sessions().size(), 1U);
    EXPECT_EQ(registry->sessions().begin()->first, bobs);
    EXPECT_EQ(nft.active().size(), 1U);
}

TEST_F(SessionRegistryTest, CancelRemovesOnlyThatPortFromTheKernel) {
    const SessionId session = openSession();
    const auto opened =
        registry->redirect(session, targets({"198.51.100.2:80", "198.51.100.3:81"}), "");
    const Notices notices = registry->cancel(opened.actions[0]);
    ASSERT_EQ(notices.ended.size(), 1U);
    const ActionEnded& ended = notices.ended[0];

    EXPECT_EQ(ended.reason, EndReason::Cancelled);
    EXPECT_TRUE(ended.notify);
    ASSERT_EQ(nft.removed().size(), 1U);
    ASSERT_EQ(nft.removed()[0].size(), 1U);
    EXPECT_EQ(nft.removed()[0][0].internal.port, 41000);
    EXPECT_FALSE(ports.isReserved(internal, net::Transport::Tcp, 41000));
    EXPECT_TRUE(ports.isReserved(internal, net::Transport::Tcp, 41001));
    EXPECT_EQ(registry->session(session)->actions, std::set<ActionId>{opened.actions[1]});

    registry->closeSession(session, EndReason::SessionClosed);
    EXPECT_TRUE(nft.active().empty());
    EXPECT_EQ(ports.reservedCount(internal, net::Transport::Tcp), 0U);
}

TEST_F(SessionRegistryTest, CancelThatTheKernelRefusesKeepsTheAction) {
    const auto opened = registry->redirect(openSession(), targets({"198.51.100.2:80"}), "");
    nft.failNextRemove(Error(ErrorCode::Failed, "nft: EBUSY"));

    EXPECT_EQ(codeOf([&] { registry->cancel(opened.actions[0]); }), ErrorCode::Failed);
    EXPECT_NE(registry->action(opened.actions[0]), nullptr);
    EXPECT_EQ(codeOf([&] { registry->cancel(9999); }), ErrorCode::InvalidArgument);
}

TEST_F(SessionRegistryTest, UnusedPermissionExpiresAtItsDeadline) {
    const auto opened =
        registry->redirect(openSession(), withTimeout(targets({"198.51.100.2:80"}), 1500ms), "");
    const Action& action = *registry->action(opened.actions[0]);
    ASSERT_TRUE(action.expiresAt);
    EXPECT_EQ(*action.expiresAt - clock.realtimeNow(), 1500ms);
    const ActionId id = action.id;
    EXPECT_EQ(registry->nextDeadline(), clock.steadyNow() + 1500ms);

    clock.advance(1499ms);
    EXPECT_TRUE(registry->expireDue().empty());
    clock.advance(1ms);
    const Notices notices = registry->expireDue();

    ASSERT_EQ(notices.ended.size(), 1U);
    EXPECT_EQ(notices.ended[0].reason, EndReason::Timeout);
    ASSERT_EQ(notices.finished.size(), 1U);
    EXPECT_EQ(notices.finished[0].state, ActionState::Expired);
    EXPECT_EQ(registry->action(id), nullptr) << "an expired action leaves the bus";
    EXPECT_TRUE(nft.active().empty());
    EXPECT_FALSE(ports.isReserved(internal, net::Transport::Tcp, 41000));
    EXPECT_FALSE(registry->nextDeadline());
}

// The connection's NEW event arrives at the deadline, just before the registry settles it:
// the daemon hands over every queued event first.
TEST_F(SessionRegistryTest, UsedPermissionIsConsumedAtItsDeadlineAndStaysProgrammed) {
    const auto opened = registry->redirect(
        openSession(), withTimeout(targets({"198.51.100.2:80", "198.51.100.2:81"}), 1s), "");
    clock.advance(1s);
    Flow flow;
    flow.id = 3;
    flow.client = net::Endpoint::parse("192.0.2.2:50000");
    flow.internal = net::Endpoint{internal, 41001};
    flow.target = net::Endpoint::parse("198.51.100.2:81");
    flow.source = flow.client;
    registry->onFlow({FlowEventType::New, flow});
    const auto ended = registry->expireDue().ended;

    ASSERT_EQ(ended.size(), 1U);
    EXPECT_EQ(ended[0].action, opened.actions[0]);
    EXPECT_EQ(registry->action(opened.actions[1])->state, ActionState::Consumed);
    EXPECT_TRUE(ports.isReserved(internal, net::Transport::Tcp, 41001));
    ASSERT_EQ(nft.active().size(), 1U);

    // Ending the session now reports nothing: no permission was left to lapse. The expired
    // action has already left it; the consumed one's connection lives on, and holds its
    // port until it ends.
    const auto end = registry->closeSession(registry->action(opened.actions[1])->session,
                                            EndReason::SessionClosed);
    ASSERT_EQ(end.ended.size(), 1U);
    EXPECT_FALSE(end.ended[0].notify);
    EXPECT_TRUE(end.finished.empty());
    EXPECT_TRUE(nft.active().empty());
    EXPECT_EQ(registry->action(opened.actions[1]), nullptr) << "off the bus with its session";
    EXPECT_EQ(registry->detachedActions(), 1U);
    EXPECT_TRUE(ports.isReserved(internal, net::Transport::Tcp, 41001));

    const Notices gone = registry->onFlow({FlowEventType::Destroy, flow});
    ASSERT_EQ(gone.finished.size(), 1U);
    EXPECT_EQ(gone.finished[0].action, opened.actions[1]);
    EXPECT_TRUE(gone.finished[0].notify) << "its owner is still on the bus";
    EXPECT_EQ(registry->detachedActions(), 0U);
    EXPECT_FALSE(ports.isReserved(internal, net::Transport::Tcp, 41001));
}

TEST_F(SessionRegistryTest, CancelledActionsLeaveTheDeadlineQueue) {
    const auto opened =
        registry->redirect(openSession(), withTimeout(targets({"198.51.100.2:80"}), 1s), "");
    registry->cancel(opened.actions[0]);
    EXPECT_FALSE(registry->nextDeadline());
    clock.advance(2s);
    EXPECT_TRUE(registry->expireDue().empty());
}

TEST_F(SessionRegistryTest, FailedRedirectLeavesNoActionAndNoQuotaUsed) {
    const SessionId session = openSession();
    nft.failNextAdd(Error(ErrorCode::Failed, "nft: ENOMEM"));
    EXPECT_EQ(codeOf([&] { registry->redirect(session, targets({"198.51.100.2:80"}), ""); }),
              ErrorCode::Failed);
    EXPECT_TRUE(registry->actions().empty());
    EXPECT_TRUE(registry->session(session)->actions.empty());
    EXPECT_NO_THROW(registry->redirect(
        session,
        targets({"198.51.100.2:80", "198.51.100.2:81", "198.51.100.2:82", "198.51.100.2:83"}), ""));
}

TEST_F(SessionRegistryTest, ProtocolGuidMustBeRegisteredAndMatchTheTransport) {
    const SessionId session = openSession();
    const std::string guid = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
    EXPECT_EQ(codeOf([&] { registry->redirect(session, targets({"198.51.100.2:80"}), guid); }),
              ErrorCode::UnknownProtocol);

    protocols.add(
        guid,
        ProtocolSpec{
            "ftp", net::Transport::Tcp, {21}, "ftp", {net::Prefix::parse("198.51.100.0/24")}},
        {0, ":1.7", true});
    Request udp = targets({"198.51.100.2:80"});
    udp.transport = net::Transport::Udp;
    EXPECT_EQ(codeOf([&] { registry->redirect(session, udp, guid); }), ErrorCode::InvalidArgument);
    EXPECT_NO_THROW(registry->redirect(session, targets({"198.51.100.2:80"}), guid));
}

TEST_F(SessionRegistryTest, UnknownSessionIsInvalidArgument) {
    EXPECT_EQ(codeOf([&] { registry->redirect(42, targets({"198.51.100.2:80"}), ""); }),
              ErrorCode::InvalidArgument);
    EXPECT_EQ(codeOf([&] { registry->closeSession(42, EndReason::SessionClosed); }),
              ErrorCode::InvalidArgument);
}

} // namespace
} // namespace fwx::redirect
