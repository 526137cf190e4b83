#include "daemon/CallerGrants.hpp"

#include "FakeUserDatabase.hpp"
#include "error/Error.hpp"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace fwx::daemon {
namespace {

// Holds each question until the test answers it.
class FakePolkit final : public PolkitClient {
public:
    struct Question {
        std::string busName;
        std::string action;
        Done done;
    };

    void check(const std::string& busName, const std::string& action, Done done) override {
        questions.push_back({busName, action, std::move(done)});
    }
    void answer(std::size_t index, bool authorized, const std::string& why = {}) {
        questions.at(index).done({authorized, why});
    }

    std::vector<Question> questions;
};

class CallerGrantsTest : public ::testing::Test {
protected:
    // uid 1001 ("proxy") is listed, 4242 is not.
    FakeUserDatabase db;
    Authorizer lists{{.allowedUsers = {"proxy"}}, db};
    FakePolkit polkit;
    CallerGrants grants{lists, polkit};
    const Caller listed{":1.5", 1001};
    const Caller stranger{":1.6", 4242};
};

TEST_F(CallerGrantsTest, WhatTheListsGrantNeedsNoPolkit) {
    int ran = 0;
    grants.settle(listed, {Permission::Redirect}, [&](const Grants& g) {
        EXPECT_TRUE(g.holds(Permission::Redirect));
        ++ran;
    });
    EXPECT_EQ(ran, 1);
    EXPECT_TRUE(polkit.questions.empty());
}

TEST_F(CallerGrantsTest, PolkitIsAskedOnceAndItsGrantKeptForTheConnection) {
    int ran = 0;
    const auto count = [&](const Grants& g) {
        EXPECT_TRUE(g.holds(Permission::Redirect));
        ++ran;
    };
    grants.settle(stranger, {Permission::Redirect}, count);
    grants.settle(stranger, {Permission::Redirect}, count); // while the first waits
    EXPECT_EQ(ran, 0);
    ASSERT_EQ(polkit.questions.size(), 1U);
    EXPECT_EQ(polkit.questions[0].busName, ":1.6");
    EXPECT_EQ(polkit.questions[0].action, "org.fwxd.redirect");
    polkit.answer(0, true);
    EXPECT_EQ(ran, 2);
    grants.settle(stranger, {Permission::Redirect}, count);
    EXPECT_EQ(ran, 3);
    EXPECT_EQ(polkit.questions.size(), 1U);
    EXPECT_NO_THROW(grants.known(stranger).requireAny("read the version"));
}

TEST_F(CallerGrantsTest, ARefusalSaysWhatPolkitSaid) {
    std::string refusal;
    grants.settle(stranger, {Permission::Redirect}, [&](const Grants& g) {
        try {
            g.require(Permission::Redirect, "open a session");
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::AccessDenied);
            refusal = e.what();
        }
    });
    polkit.answer(0, false, "polkit does not grant org.fwxd.redirect");
    EXPECT_EQ(refusal, "uid 4242 may not open a session: not root, not in AllowedUsers or "
                       "AdminUsers and in none of AllowedGroups or AdminGroups; polkit does "
                       "not grant org.fwxd.redirect");
}

TEST_F(CallerGrantsTest, ACallWaitsForEveryPermissionItNeeds) {
    bool ran = false;
    grants.settle(listed, {Permission::RegisterProtocol, Permission::Admin}, [&](const Grants& g) {
        EXPECT_TRUE(g.holds(Permission::RegisterProtocol));
        EXPECT_TRUE(g.holds(Permission::Admin));
        ran = true;
    });
    ASSERT_EQ(polkit.questions.size(), 1U) << "the lists grant register-protocol already";
    EXPECT_EQ(polkit.questions[0].action, "org.fwxd.admin");
    EXPECT_FALSE(ran);
    polkit.answer(0, true);
    EXPECT_TRUE(ran);
}

TEST_F(CallerGrantsTest, AnAnswerForACallerThatLeftIsDropped) {
    bool ran = false;
    grants.settle(stranger, {Permission::Redirect}, [&](const Grants&) { ran = true; });
    grants.forget(stranger.name);
    polkit.answer(0, true);
    EXPECT_FALSE(ran);
    EXPECT_FALSE(grants.known(stranger).any()) << "a new connection of that name starts afresh";
}

TEST_F(CallerGrantsTest, PropertyReadsGoByWhatIsKnown) {
    EXPECT_NO_THROW(grants.known(listed).requireAny("read the version"));
    EXPECT_THROW(grants.known(stranger).requireAny("read the version"), Error);
    EXPECT_TRUE(polkit.questions.empty());
}

} // namespace
} // namespace fwx::daemon
