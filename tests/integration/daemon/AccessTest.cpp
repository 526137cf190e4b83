// Who may call fwxd: root always; another uid only when the configuration lists it (user or
// group), and never on a session it does not own. The other uid is a real one: gdbus and
// busctl run as 65534 through setpriv, on a connection of their own.
#include "DaemonFixture.hpp"
#include "lab/Lab.hpp"

#include <gtest/gtest.h>

namespace fwx::test {
namespace {

constexpr const char* AccessDenied = "org.fwxd.Error.AccessDenied";

::testing::AssertionResult deniedTo(const CommandResult& result) {
    if (result.exitStatus != 0 && result.err.find(AccessDenied) != std::string::npos) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "exit status " << result.exitStatus << ", stdout: " << result.out
           << ", stderr: " << result.err;
}

::testing::AssertionResult allowed(const CommandResult& result) {
    if (result.exitStatus == 0) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "exit status " << result.exitStatus << ", stderr: " << result.err;
}

class Access : public DaemonFixture {
protected:
    CommandResult openSessionAsNobody() const {
        return gdbusCallAsNobody(FirewallPath, "org.fwxd.Firewall1.OpenSession", {"{}"});
    }
    CommandResult readAsNobody(const std::string& path, const std::string& interface,
                               const std::string& property) const {
        return gdbusCallAsNobody(path, "org.freedesktop.DBus.Properties.Get",
                                 {interface, property});
    }
};

TEST_F(Access, AnotherUserIsDeniedEverything) {
    EXPECT_TRUE(deniedTo(openSessionAsNobody()));
    EXPECT_TRUE(deniedTo(readAsNobody(FirewallPath, "org.fwxd.Firewall1", "Version")));
    EXPECT_TRUE(deniedTo(readAsNobody(FirewallPath, "org.fwxd.Firewall1", "Sessions")));
    const sdbus::ObjectPath session = client().openSession();
    EXPECT_TRUE(deniedTo(readAsNobody(session, "org.fwxd.Session1", "Owner")));
    EXPECT_TRUE(client().firewall().Sessions() == std::vector<sdbus::ObjectPath>{session});
}

class AllowedUser : public Access {
protected:
    AllowedUser() { settings.allowedUsers = {std::to_string(NobodyId)}; }
};

TEST_F(AllowedUser, MayOpenSessionsAndReadProperties) {
    const CommandResult opened = openSessionAsNobody();
    ASSERT_TRUE(allowed(opened));
    EXPECT_NE(opened.out.find("/org/fwxd/Firewall1/session/"), std::string::npos) << opened.out;
    const CommandResult version = readAsNobody(FirewallPath, "org.fwxd.Firewall1", "Version");
    ASSERT_TRUE(allowed(version));
    EXPECT_NE(version.out.find(FWXD_EXPECTED_VERSION), std::string::npos) << version.out;
}

TEST_F(AllowedUser, MayNotTouchAnotherClientsSession) {
    const sdbus::ObjectPath session = client().openSession();
    const Redirected redirected =
        client().redirect(session, {ConnectAddress(Lab::serverAddress(Family::V4), 21000)});
    EXPECT_TRUE(deniedTo(gdbusCallAsNobody(session, "org.fwxd.Session1.Close")));
    EXPECT_TRUE(deniedTo(gdbusCallAsNobody(redirected.actions.at(0), "org.fwxd.Action1.Cancel")));
    EXPECT_TRUE(deniedTo(gdbusCallAsNobody(
        session, "org.fwxd.Session1.RedirectConnections",
        {"[('" + Lab::serverAddress(Family::V4) + "', 21001)]", "", "", "tcp", "0", "", "{}"})));
    // Reading is allowed to a listed user.
    EXPECT_TRUE(allowed(readAsNobody(session, "org.fwxd.Session1", "Owner")));
    // Nothing changed.
    EXPECT_EQ(client().session(session).Actions(), redirected.actions);
    EXPECT_EQ(client().action(redirected.actions.at(0)).State(), "pending");
    EXPECT_EQ(kernelElements("ports_v4"), 1U);
    client().sync();
    EXPECT_EQ(client().received(redirected.actions.at(0), "Expired"), 0U);
}

TEST_F(AllowedUser, SessionOfItsBusctlVanishesWithBusctl) {
    const CommandResult opened = busctlAsNobody(
        {"call", FwxdName, FirewallPath, "org.fwxd.Firewall1", "OpenSession", "a{sv}", "0"});
    ASSERT_TRUE(allowed(opened));
    // busctl's connection, the owner, is gone at once, and its session with it.
    EXPECT_TRUE(client().firewall().Sessions().empty());
}

class AllowedGroup : public Access {
protected:
    AllowedGroup() { settings.allowedGroups = {std::to_string(NobodyId)}; }
};

TEST_F(AllowedGroup, MemberMayOpenSessions) {
    EXPECT_TRUE(allowed(openSessionAsNobody()));
}

} // namespace
} // namespace fwx::test
