#include "daemon/Authorizer.hpp"

#include "FakeUserDatabase.hpp"
#include "error/Error.hpp"

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

namespace fwx::daemon {
namespace {

TEST(Authorizer, RootIsAlwaysAllowed) {
    FakeUserDatabase db;
    const Authorizer authorizer({}, db);
    EXPECT_TRUE(authorizer.allows(0));
    EXPECT_FALSE(authorizer.allows(1001));
}

TEST(Authorizer, UsersByNameOrNumber) {
    FakeUserDatabase db;
    const Authorizer authorizer({.allowedUsers = {"proxy", "2000"}}, db);
    EXPECT_TRUE(authorizer.allows(1001));
    EXPECT_TRUE(authorizer.allows(2000));
    EXPECT_FALSE(authorizer.allows(1002));
}

TEST(Authorizer, MembersOfAllowedGroups) {
    FakeUserDatabase db;
    const Authorizer authorizer({.allowedGroups = {"fwx-clients"}}, db);
    EXPECT_TRUE(authorizer.allows(1003));
    EXPECT_FALSE(authorizer.allows(1004));
}

TEST(Authorizer, UnknownNamesStopTheDaemonAtStart) {
    FakeUserDatabase db;
    try {
        const Authorizer authorizer({.allowedUsers = {"prxoy"}}, db);
        FAIL() << "an unknown user was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
        EXPECT_STREQ(e.what(), "AllowedUsers: no user \"prxoy\"");
    }
    EXPECT_THROW(Authorizer({.allowedGroups = {"nogroup-here"}}, db), Error);
    try {
        const Authorizer authorizer({.adminGroups = {"admns"}}, db);
        FAIL() << "an unknown group was accepted";
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "AdminGroups: no group \"admns\"");
    }
}

TEST(Authorizer, RefusalSaysWhoAndWhy) {
    FakeUserDatabase db;
    const Authorizer authorizer({.allowedUsers = {"proxy"}}, db);
    try {
        authorizer.grantsOf(1002).require(Permission::Redirect, "open a session");
        FAIL() << "uid 1002 was allowed";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::AccessDenied);
        EXPECT_STREQ(e.what(), "uid 1002 may not open a session: not root, not in AllowedUsers "
                               "or AdminUsers and in none of AllowedGroups or AdminGroups");
    }
}

TEST(Authorizer, OnlyTheOwnerOrRootMayChangeASession) {
    FakeUserDatabase db;
    const Authorizer authorizer({.allowedUsers = {"proxy", "sip"}}, db);
    EXPECT_NO_THROW(authorizer.grantsOf(1001).requireOwner(":1.5", ":1.5", "close session 1"));
    EXPECT_NO_THROW(authorizer.grantsOf(0).requireOwner(":1.9", ":1.5", "close session 1"));
    try {
        authorizer.grantsOf(1002).requireOwner(":1.6", ":1.5", "close session 1");
        FAIL() << "expected AccessDenied";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::AccessDenied);
        EXPECT_STREQ(
            e.what(),
            ":1.6 may not close session 1: it belongs to :1.5 (only its owner or root may)");
    }
    // Ownership does not bypass the allow-list.
    EXPECT_THROW(authorizer.grantsOf(4242).requireOwner(":1.5", ":1.5", "close session 1"), Error);
}

// Attaching a kernel helper is an administrator's act (issue 10, item 3).
TEST(Authorizer, AdministratorsAreRootAdminUsersAndMembersOfAdminGroups) {
    FakeUserDatabase db;
    const Authorizer authorizer(
        {.allowedUsers = {"proxy"}, .adminUsers = {"sip"}, .adminGroups = {"fwx-clients"}}, db);
    EXPECT_TRUE(authorizer.isAdmin(0));
    EXPECT_TRUE(authorizer.isAdmin(1002));
    EXPECT_TRUE(authorizer.isAdmin(1003));
    EXPECT_FALSE(authorizer.isAdmin(1001));
    // An administrator is also a user.
    EXPECT_TRUE(authorizer.allows(1002));
    EXPECT_TRUE(authorizer.allows(1003));
    EXPECT_NO_THROW(authorizer.grantsOf(1002).require(Permission::Admin,
                                                      "register a protocol with a kernel helper"));
    try {
        authorizer.grantsOf(1001).require(Permission::Admin,
                                          "register a protocol with a kernel helper");
        FAIL() << "uid 1001 was taken for an administrator";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::AccessDenied);
        EXPECT_STREQ(e.what(), "uid 1001 may not register a protocol with a kernel helper: that "
                               "is an administrator's act (root, AdminUsers or AdminGroups)");
    }
    // Someone who may not use fwxd at all hears that first.
    try {
        authorizer.grantsOf(4242).require(Permission::Admin,
                                          "register a protocol with a kernel helper");
        FAIL() << "uid 4242 was allowed";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("not in AllowedUsers"), std::string::npos);
    }
}

// A protocol belongs to a uid, so a restarted proxy (a new bus connection) can remove it.
TEST(Authorizer, ProtocolsBelongToAUid) {
    FakeUserDatabase db;
    const Authorizer authorizer({.allowedUsers = {"proxy", "sip"}, .adminUsers = {"2000"}}, db);
    EXPECT_NO_THROW(authorizer.grantsOf(1001).requireUserOwns(1001, "unregister protocol x"));
    EXPECT_NO_THROW(authorizer.grantsOf(2000).requireUserOwns(1001, "unregister protocol x"));
    EXPECT_NO_THROW(authorizer.grantsOf(0).requireUserOwns(1001, "unregister protocol x"));
    try {
        authorizer.grantsOf(1002).requireUserOwns(1001, "unregister protocol x");
        FAIL() << "uid 1002 removed uid 1001's protocol";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::AccessDenied);
        EXPECT_STREQ(e.what(), "uid 1002 may not unregister protocol x: it belongs to uid 1001 "
                               "(only that user or an administrator may)");
    }
}

TEST(Authorizer, SystemDatabaseKnowsRoot) {
    SystemUserDatabase db;
    EXPECT_EQ(db.userId("root"), 0U);
    EXPECT_EQ(db.groupId("root"), 0U);
    const auto groups = db.groupsOf(0);
    EXPECT_NE(std::find(groups.begin(), groups.end(), 0U), groups.end());
}

} // namespace
} // namespace fwx::daemon
