// Who may call fwxd: root always; another uid only when the configuration lists it (user or
// group), and never on a session it does not own. The other uid is a real one: gdbus and
// busctl run as 65534 through setpriv, on a connection of their own.
#include "DaemonFixture.hpp"
#include "OtherUser.hpp"
#include "lab/Lab.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* AccessDenied = "org.fwxd.Error.AccessDenied";

ConnectAddress server(std::uint16_t port) {
    return {Lab::serverAddress(Family::V4), port};
}

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

// The session belongs to the bus connection, not to the uid: another connection of the same
// (non-root) user may read it but not change it. Root may.
TEST_F(AllowedUser, MayNotTouchTheSessionOfAnotherConnectionOfItsOwnUid) {
    const auto owner = connectAs(bus.address(), NobodyId, NobodyId);
    const auto other = connectAs(bus.address(), NobodyId, NobodyId);
    const sdbus::ObjectPath session = owner->openSession();
    const Redirected redirected = owner->redirect(session, {server(21000)});
    const sdbus::ObjectPath& action = redirected.actions.at(0);
    EXPECT_TRUE(failsWith([&] { other->session(session).Close(); }, AccessDenied));
    EXPECT_TRUE(failsWith([&] { other->action(action).Cancel(); }, AccessDenied));
    EXPECT_TRUE(failsWith([&] { other->redirect(session, {server(21001)}); }, AccessDenied));
    EXPECT_EQ(other->session(session).Actions(), redirected.actions) << "reading is allowed";
    EXPECT_EQ(owner->action(action).State(), "pending");
    EXPECT_EQ(kernelElements("ports_v4"), 1U);
    // Root closes it; the owner is told.
    client().session(session).Close();
    EXPECT_TRUE(owner->waitForSignal(action, "Expired", "session-closed", 5s));
    EXPECT_EQ(kernelElements(), 0U);
}

TEST_F(AllowedUser, SessionOfItsBusctlVanishesWithBusctl) {
    const CommandResult opened = busctlAsNobody(
        {"call", FwxdName, FirewallPath, "org.fwxd.Firewall1", "OpenSession", "a{sv}", "0"});
    ASSERT_TRUE(allowed(opened));
    // busctl's connection, the owner, is gone at once, and its session with it.
    EXPECT_TRUE(client().firewall().Sessions().empty());
}

// RegisterProtocol's spec in gdbus syntax, with a helper on the lab server when helper is
// not empty.
std::string protocolSpec(const std::string& helper, std::uint16_t port = 21) {
    std::string spec = "{'Name': <'FTP'>, 'Transport': <'tcp'>, 'PrimaryPorts': <[@q " +
                       std::to_string(port) + "]>";
    if (!helper.empty()) {
        spec += ", 'Helper': <'" + helper + "'>, 'Servers': <['" + Lab::serverAddress(Family::V4) +
                "']>";
    }
    return spec + "}";
}

constexpr const char* FtpGuid = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
constexpr const char* OtherGuid = "6ba7b810-9dad-11d1-80b4-00c04fd430c9";

class ProtocolAccess : public Access {
protected:
    CommandResult registerAsNobody(const char* guid, const std::string& spec) const {
        return gdbusCallAsNobody(FirewallPath, "org.fwxd.Firewall1.RegisterProtocol", {guid, spec});
    }
    CommandResult unregisterAsNobody(const char* guid) const {
        return gdbusCallAsNobody(FirewallPath, "org.fwxd.Firewall1.UnregisterProtocol", {guid});
    }
    Options rootSpec() const {
        return {{"Name", sdbus::Variant(std::string("FTP"))},
                {"Transport", sdbus::Variant(std::string("tcp"))},
                {"PrimaryPorts", sdbus::Variant(std::vector<std::uint16_t>{2121})}};
    }
};

class AllowedUserProtocols : public ProtocolAccess {
protected:
    AllowedUserProtocols() {
        settings.allowedUsers = {std::to_string(NobodyId)};
        settings.maxProtocolsPerUser = 2;
    }
};

// Any allowed user could attach an ftp parser to tcp/22, 80 and 443 of every server
// (issue 10, item 3): attaching a kernel helper is an administrator's act.
TEST_F(AllowedUserProtocols, MayNotAttachAKernelHelper) {
    const CommandResult helper = registerAsNobody(FtpGuid, protocolSpec("ftp"));
    EXPECT_TRUE(deniedTo(helper));
    EXPECT_NE(helper.err.find("administrator"), std::string::npos) << helper.err;
    EXPECT_TRUE(client().firewall().Protocols().empty());
    EXPECT_EQ(kernelElements("helpers_v4"), 0U);
    // Without a helper it may.
    EXPECT_TRUE(allowed(registerAsNobody(FtpGuid, protocolSpec(""))));
    const auto protocols = client().firewall().Protocols();
    ASSERT_EQ(protocols.size(), 1U);
    const auto& listed = protocols.at(FtpGuid);
    EXPECT_EQ(listed.at("Owner").get<std::uint32_t>(), NobodyId);
    EXPECT_EQ(listed.at("Name").get<std::string>(), "FTP");
    EXPECT_EQ(listed.at("PrimaryPorts").get<std::vector<std::uint16_t>>(),
              std::vector<std::uint16_t>{21});
}

// A protocol belonged to the registrant's bus connection and outlived it: a restarted proxy
// could neither register it again nor remove it. Every gdbus call is a new connection.
TEST_F(AllowedUserProtocols, BelongToTheUserWhateverConnectionItCallsFrom) {
    ASSERT_TRUE(allowed(registerAsNobody(FtpGuid, protocolSpec(""))));
    EXPECT_TRUE(allowed(registerAsNobody(FtpGuid, protocolSpec(""))))
        << "the same spec again from the same uid";
    const CommandResult changed = registerAsNobody(FtpGuid, protocolSpec("", 2121));
    EXPECT_NE(changed.err.find("org.fwxd.Error.InvalidArgument"), std::string::npos) << changed.err;
    EXPECT_TRUE(allowed(unregisterAsNobody(FtpGuid)));
    EXPECT_TRUE(client().firewall().Protocols().empty());
    // Root's protocol is not nobody's to remove; root may remove nobody's.
    client().firewall().RegisterProtocol(OtherGuid, rootSpec());
    EXPECT_TRUE(deniedTo(unregisterAsNobody(OtherGuid)));
    ASSERT_TRUE(allowed(registerAsNobody(FtpGuid, protocolSpec(""))));
    client().firewall().UnregisterProtocol(FtpGuid);
    EXPECT_EQ(client().firewall().Protocols().size(), 1U);
}

TEST_F(AllowedUserProtocols, OneUserCannotTakeEveryProtocol) {
    ASSERT_TRUE(allowed(registerAsNobody(FtpGuid, protocolSpec(""))));
    ASSERT_TRUE(allowed(registerAsNobody(OtherGuid, protocolSpec("", 2121))));
    const CommandResult third =
        registerAsNobody("6ba7b810-9dad-11d1-80b4-00c04fd430ca", protocolSpec("", 2122));
    EXPECT_NE(third.err.find("org.fwxd.Error.QuotaExceeded"), std::string::npos) << third.err;
    EXPECT_NE(third.err.find("MaxProtocolsPerUser"), std::string::npos) << third.err;
    // Root is an administrator: not held to it.
    for (const char* guid :
         {"6ba7b810-9dad-11d1-80b4-00c04fd430cb", "6ba7b810-9dad-11d1-80b4-00c04fd430cc",
          "6ba7b810-9dad-11d1-80b4-00c04fd430cd"}) {
        client().firewall().RegisterProtocol(guid, rootSpec());
    }
    EXPECT_EQ(client().firewall().Protocols().size(), 5U);
}

class AdminUser : public ProtocolAccess {
protected:
    AdminUser() { settings.adminUsers = {std::to_string(NobodyId)}; }
};

TEST_F(AdminUser, MayAttachHelpersAndRemoveOthersProtocols) {
    ASSERT_TRUE(allowed(registerAsNobody(FtpGuid, protocolSpec("ftp"))));
    EXPECT_EQ(kernelElements("helpers_v4"), 1U);
    client().firewall().RegisterProtocol(OtherGuid, rootSpec());
    EXPECT_TRUE(allowed(unregisterAsNobody(OtherGuid)));
    EXPECT_TRUE(allowed(unregisterAsNobody(FtpGuid)));
    EXPECT_TRUE(client().firewall().Protocols().empty());
    EXPECT_EQ(kernelElements("helpers_v4"), 0U);
}

// An administrator may attach helpers and remove others' protocols, not change another
// client's session: that is root's alone.
TEST_F(AdminUser, MayNotTouchAnotherClientsSession) {
    const sdbus::ObjectPath session = client().openSession();
    const Redirected redirected = client().redirect(session, {server(21000)});
    EXPECT_TRUE(deniedTo(gdbusCallAsNobody(session, "org.fwxd.Session1.Close")));
    EXPECT_TRUE(deniedTo(gdbusCallAsNobody(redirected.actions.at(0), "org.fwxd.Action1.Cancel")));
    EXPECT_EQ(client().action(redirected.actions.at(0)).State(), "pending");
    EXPECT_EQ(client().firewall().Sessions(), std::vector<sdbus::ObjectPath>{session});
}

// Root may change any session, whichever connection it calls from; it acts for the owner,
// who alone hears of it.
TEST_F(Access, AnotherRootClientMayChangeARootClientsSession) {
    const sdbus::ObjectPath session = client().openSession();
    const Redirected first = client().redirect(session, {server(21000), server(21001)});
    const auto other = connect();
    const Redirected added = other->redirect(session, {server(21002)});
    const std::vector<sdbus::ObjectPath> all{first.actions.at(0), first.actions.at(1),
                                             added.actions.at(0)};
    EXPECT_EQ(client().session(session).Actions(), all);
    EXPECT_EQ(client().session(session).Owner(), client().uniqueName());
    client().action(added.actions.at(0)); // the owner listens to the added action too

    other->action(first.actions.at(0)).Cancel();
    EXPECT_TRUE(client().waitForSignal(first.actions.at(0), "Expired", "cancelled", 5s));
    other->session(session).Close();
    for (const sdbus::ObjectPath& action : {first.actions.at(1), added.actions.at(0)}) {
        EXPECT_TRUE(client().waitForSignal(action, "Expired", "session-closed", 5s)) << action;
    }
    EXPECT_TRUE(client().firewall().Sessions().empty());
    EXPECT_EQ(kernelElements(), 0U);
    other->sync();
    for (const sdbus::ObjectPath& action : all) {
        EXPECT_EQ(other->received(action, "Expired"), 0U) << "signals go to the owner only";
    }
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
