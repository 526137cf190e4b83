// Every method and property of Firewall1, Session1 and Action1 against the real fwxd, and
// what each call leaves in the kernel (nft -j list set/map inet fwxd ...).
#include "DaemonFixture.hpp"
#include "lab/Lab.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include <gtest/gtest.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* FtpGuid = "4f5c1a0e-1b2c-4d3e-8f90-a1b2c3d4e5f6";

std::int64_t realtimeUsec() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

using Primary = sdbus::Struct<std::string, std::string, std::uint16_t, std::string, std::uint16_t>;

class Api : public DaemonFixture {};

TEST_F(Api, FirewallPropertiesReadBack) {
    FirewallProxy& firewall = client().firewall();
    EXPECT_EQ(firewall.Version(), FWXD_EXPECTED_VERSION);
    EXPECT_EQ(firewall.InternalAddresses(),
              (std::vector<std::string>{Lab::internalAddress(Family::V4),
                                        Lab::internalAddress(Family::V6)}));
    const auto range = firewall.PortRange();
    EXPECT_EQ(range.get<0>(), 41000);
    EXPECT_EQ(range.get<1>(), 41999);
    EXPECT_TRUE(firewall.Sessions().empty());
    EXPECT_EQ(firewall.ActiveRedirects(), 0U);
    EXPECT_EQ(kernelElements(), 0U);
}

TEST_F(Api, OpenSessionRecordsOwnerAndPrimaryConnectionUntilClose) {
    const Primary primary("tcp", Lab::clientAddress(Family::V4), 40000,
                          Lab::serverAddress(Family::V4), 21);
    const sdbus::ObjectPath path =
        client().openSession({{"PrimaryConnection", sdbus::Variant(primary)},
                              {"Description", sdbus::Variant(std::string("ftp proxy"))}});
    EXPECT_TRUE(path.starts_with("/org/fwxd/Firewall1/session/")) << path;
    SessionProxy& session = client().session(path);
    EXPECT_EQ(session.Owner(), client().uniqueName());
    EXPECT_EQ(session.PrimaryConnection(), primary);
    EXPECT_EQ(session.Description(), "ftp proxy");
    EXPECT_TRUE(session.Actions().empty());
    EXPECT_EQ(client().firewall().Sessions(), std::vector<sdbus::ObjectPath>{path});

    session.Close();
    EXPECT_TRUE(client().firewall().Sessions().empty());
    EXPECT_TRUE(objectGone(client().connection(), path, "org.fwxd.Session1"));
}

TEST_F(Api, PrimaryConnectionOfIPv6ReadsBackAsGiven) {
    const Primary primary("udp", Lab::clientAddress(Family::V6), 5060,
                          Lab::serverAddress(Family::V6), 5060);
    const sdbus::ObjectPath path =
        client().openSession({{"PrimaryConnection", sdbus::Variant(primary)}});
    EXPECT_EQ(client().session(path).PrimaryConnection(), primary);
}

TEST_F(Api, SessionWithoutPrimaryConnectionReportsEmptyOne) {
    const sdbus::ObjectPath path = client().openSession();
    EXPECT_EQ(client().session(path).PrimaryConnection(), Primary("", "", 0, "", 0));
    EXPECT_EQ(client().session(path).Description(), "");
}

// The property is the caller's text as given: escaping is for whoever shows it (fwxctl,
// the log), not for the API.
TEST_F(Api, DescriptionReadsBackExactly) {
    const std::string text = "evil\nfwxd: ready: fake\x1b[31m \xc2\x9b"
                             "2J Z\xc3\xbc"
                             "rich";
    const sdbus::ObjectPath path = client().openSession({{"Description", sdbus::Variant(text)}});
    EXPECT_EQ(client().session(path).Description(), text);
    const auto managed = client().firewall().GetManagedObjects();
    EXPECT_EQ(managed.at(path).at("org.fwxd.Session1").at("Description").get<std::string>(), text);
}

TEST_F(Api, RedirectConnectionsProgramsConsecutivePortsWithActionProperties) {
    const sdbus::ObjectPath session = client().openSession();
    const std::string server = Lab::serverAddress(Family::V4);
    const std::vector<ConnectAddress> targets{target(server, 21000), target(server, 21001),
                                              target(server, 21002)};
    RedirectRequest request;
    request.flags = TimeoutFlag;
    request.options = {{"Timeout", sdbus::Variant(std::uint64_t{30'000'000})}};
    const std::int64_t before = realtimeUsec();
    const Redirected redirected = client().redirect(session, targets, request);
    const std::int64_t after = realtimeUsec();

    EXPECT_EQ(redirected.internalAddress, Lab::internalAddress(Family::V4));
    EXPECT_GE(redirected.basePort, 41000);
    EXPECT_LE(redirected.basePort, 41999 - 2);
    ASSERT_EQ(redirected.actions.size(), 3U);
    EXPECT_EQ(client().session(session).Actions(), redirected.actions);
    EXPECT_EQ(client().firewall().ActiveRedirects(), 3U);
    EXPECT_EQ(kernelElements("ports_v4"), 3U);
    EXPECT_EQ(kernelElements("dnat_v4"), 3U);
    EXPECT_EQ(kernelElements("ports_v6"), 0U);

    for (std::size_t i = 0; i < 3; ++i) {
        SCOPED_TRACE(redirected.actions[i]);
        ActionProxy& action = client().action(redirected.actions[i]);
        EXPECT_EQ(action.InternalAddress(), redirected.internalAddress);
        EXPECT_EQ(action.InternalPort(), redirected.basePort + i);
        EXPECT_EQ(action.ConnectAddress(), server);
        EXPECT_EQ(action.ConnectPort(), 21000 + i);
        EXPECT_EQ(action.ProxyExternalAddress(), "");
        EXPECT_EQ(action.Protocol(), "tcp");
        EXPECT_EQ(action.Flags(), TimeoutFlag);
        EXPECT_EQ(action.Mode(), "kernel");
        EXPECT_FALSE(action.Expected());
        EXPECT_EQ(action.NoExpectationReason(),
                  "the session has no PrimaryConnection to hang expectations on");
        EXPECT_EQ(action.State(), "pending");
        EXPECT_EQ(action.Connections(), 0U);
        const auto expiresAt = static_cast<std::int64_t>(action.ExpiresAt());
        EXPECT_GE(expiresAt, before + 30'000'000 - 1'000'000);
        EXPECT_LE(expiresAt, after + 30'000'000 + 1'000'000);
    }

    // The ObjectManager lists the session and its actions.
    const auto managed = client().firewall().GetManagedObjects();
    EXPECT_TRUE(managed.contains(session));
    for (const auto& path : redirected.actions) {
        EXPECT_TRUE(managed.contains(path)) << path;
    }
}

// Why a redirect is not expectation-backed is a property of each action, not only a log line.
TEST_F(Api, NoExpectationReasonSaysWhyNot) {
    const std::string client4 = Lab::clientAddress(Family::V4);
    const std::string server4 = Lab::serverAddress(Family::V4);
    const sdbus::ObjectPath untracked = client().openSession(
        {{"PrimaryConnection", sdbus::Variant(Primary("tcp", client4, 40000, server4, 21))}});
    const Redirected sameFamily = client().redirect(untracked, {target(server4, 21000)});
    EXPECT_EQ(client().action(sameFamily.actions.at(0)).NoExpectationReason(),
              "the primary connection tcp " + client4 + ":40000 -> " + server4 +
                  ":21 is not tracked by conntrack");
    const Redirected otherFamily =
        client().redirect(untracked, {target(Lab::serverAddress(Family::V6), 21000)});
    const std::string reason = client().action(otherFamily.actions.at(0)).NoExpectationReason();
    EXPECT_NE(reason.find("is not of the redirect's address family"), std::string::npos) << reason;
    // GetManagedObjects carries it too.
    const auto managed = client().firewall().GetManagedObjects();
    EXPECT_EQ(managed.at(otherFamily.actions.at(0))
                  .at("org.fwxd.Action1")
                  .at("NoExpectationReason")
                  .get<std::string>(),
              reason);
}

TEST_F(Api, ActionWithoutTimeoutNeverExpires) {
    const sdbus::ObjectPath session = client().openSession();
    const Redirected redirected =
        client().redirect(session, {target(Lab::serverAddress(Family::V6), 21000)});
    EXPECT_EQ(redirected.internalAddress, Lab::internalAddress(Family::V6));
    ActionProxy& action = client().action(redirected.actions.at(0));
    EXPECT_EQ(action.ExpiresAt(), 0U);
    EXPECT_EQ(action.Flags(), 0U);
    EXPECT_EQ(kernelElements("ports_v6"), 1U);
}

TEST_F(Api, CancelEndsTheActionWithExpiredCancelled) {
    const sdbus::ObjectPath session = client().openSession();
    const Redirected redirected =
        client().redirect(session, {target(Lab::serverAddress(Family::V4), 21000),
                                    target(Lab::serverAddress(Family::V4), 21001)});
    const sdbus::ObjectPath& cancelled = redirected.actions.at(0);
    client().action(cancelled).Cancel();
    EXPECT_TRUE(client().waitForSignal(cancelled, "Expired", "cancelled", 5s));
    EXPECT_TRUE(objectGone(client().connection(), cancelled, "org.fwxd.Action1"));
    EXPECT_EQ(client().session(session).Actions(),
              std::vector<sdbus::ObjectPath>{redirected.actions.at(1)});
    EXPECT_EQ(client().firewall().ActiveRedirects(), 1U);
    EXPECT_EQ(kernelElements("ports_v4"), 1U);
    client().sync();
    EXPECT_EQ(client().received(redirected.actions.at(1), "Expired"), 0U);
}

TEST_F(Api, CloseEndsEveryPendingActionWithExpiredSessionClosed) {
    const sdbus::ObjectPath session = client().openSession();
    const Redirected redirected =
        client().redirect(session, {target(Lab::serverAddress(Family::V4), 21000),
                                    target(Lab::serverAddress(Family::V4), 21001)});
    client().session(session).Close();
    for (const auto& path : redirected.actions) {
        EXPECT_TRUE(client().waitForSignal(path, "Expired", "session-closed", 5s));
        EXPECT_TRUE(objectGone(client().connection(), path, "org.fwxd.Action1"));
    }
    EXPECT_TRUE(objectGone(client().connection(), session, "org.fwxd.Session1"));
    EXPECT_EQ(client().firewall().ActiveRedirects(), 0U);
    EXPECT_EQ(kernelElements(), 0U);
}

// A session that ends leaves GetManagedObjects at once, also when the listing is the next
// message fwxd dispatches after the Close or the owner's departure (the soak found the whole
// listing failing with "session N is closed" then).
TEST_F(Api, GetManagedObjectsRightAfterASessionEndsListsTheOthers) {
    const sdbus::ObjectPath kept = client().openSession();
    for (int i = 0; i < 20; ++i) {
        const sdbus::ObjectPath closed = client().openSession();
        // Close without waiting for the answer: the listing follows it on the same connection.
        auto proxy = sdbus::createProxy(client().connection(), FwxdName, closed);
        proxy->callMethodAsync("Close")
            .onInterface("org.fwxd.Session1")
            .uponReplyInvoke([](const sdbus::Error* /*error*/) {});
        std::map<sdbus::ObjectPath, std::map<std::string, Options>> managed;
        ASSERT_NO_THROW(managed = client().firewall().GetManagedObjects()) << "after Close " << i;
        EXPECT_FALSE(managed.contains(closed));
        EXPECT_TRUE(managed.contains(kept));

        auto owner = connect();
        const sdbus::ObjectPath vanished = owner->openSession();
        owner.reset();
        ASSERT_NO_THROW(managed = client().firewall().GetManagedObjects())
            << "after the owner left " << i;
        EXPECT_TRUE(managed.contains(kept));
    }
}

TEST_F(Api, RegisteredProtocolIsKnownUntilUnregistered) {
    client().firewall().RegisterProtocol(
        FtpGuid, {{"Name", sdbus::Variant(std::string("FTP"))},
                  {"Transport", sdbus::Variant(std::string("tcp"))},
                  {"PrimaryPorts", sdbus::Variant(std::vector<std::uint16_t>{21})},
                  {"Helper", sdbus::Variant(std::string(""))}});
    const sdbus::ObjectPath session = client().openSession();
    RedirectRequest request;
    request.protocolGuid = FtpGuid;
    const Redirected redirected =
        client().redirect(session, {target(Lab::serverAddress(Family::V4), 21000)}, request);
    EXPECT_EQ(redirected.actions.size(), 1U);
    EXPECT_TRUE(failsWith([&] { client().firewall().RegisterProtocol(FtpGuid, {}); },
                          "org.fwxd.Error.InvalidArgument"))
        << "registering a GUID twice";

    client().firewall().UnregisterProtocol(FtpGuid);
    EXPECT_TRUE(failsWith(
        [&] {
            client().redirect(session, {target(Lab::serverAddress(Family::V4), 21001)}, request);
        },
        "org.fwxd.Error.UnknownProtocol"));
    EXPECT_TRUE(failsWith([&] { client().firewall().UnregisterProtocol(FtpGuid); },
                          "org.fwxd.Error.UnknownProtocol"));
    // The redirect made while it was registered stays.
    EXPECT_EQ(client().firewall().ActiveRedirects(), 1U);
    EXPECT_EQ(kernelElements("ports_v4"), 1U);
}

// A NO_KERNEL_MODE request is checked like any other: a bad one is refused and leaves nothing.
TEST_F(Api, AnInvalidUserModeRequestIsRefusedLikeAnyOther) {
    const sdbus::ObjectPath session = client().openSession();
    RedirectRequest userMode;
    userMode.flags = NoKernelMode;
    userMode.protocol = "sctp";
    EXPECT_TRUE(failsWith(
        [&] {
            client().redirect(session, {target(Lab::serverAddress(Family::V4), 21000)}, userMode);
        },
        "org.fwxd.Error.InvalidArgument"));
    EXPECT_TRUE(client().session(session).Actions().empty());
    EXPECT_EQ(client().firewall().ActiveRedirects(), 0U);
}

} // namespace
} // namespace fwx::test
