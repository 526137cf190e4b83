// Connect filters (issue 12, item 2): an administrator's registration hears, by unicast, of
// every new redirect of a protocol before the requester's call returns, and of the
// connections through them; it goes with Unregister or with its registrant; others may
// not register one.
#include "ConntrackFixture.hpp"
#include "OtherUser.hpp"
#include "Target.hpp"
#include "lab/WaitUntil.hpp"
#include "net/Transport.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* Guid = "6f1c2a3b-4d5e-4f60-8a71-b2c3d4e5f607";
constexpr const char* ConnectFilter1 = "org.fwxd.ConnectFilter1";

class ConnectFilters : public ConntrackFixture {
protected:
    void SetUp() override {
        settings.allowedUsers = {std::to_string(NobodyId)};
        ConntrackFixture::SetUp();
        client().firewall().RegisterProtocol(Guid,
                                             {{"Name", sdbus::Variant(std::string("FTP data"))},
                                              {"Transport", sdbus::Variant(std::string("tcp"))}});
    }

    Redirected redirectOfTheProtocol(std::uint32_t flags = 0) {
        RedirectRequest request;
        request.protocolGuid = Guid;
        request.flags = flags;
        request.proxyExternalAddress = Lab::proxyAddress(Family::V4);
        return client().redirect(
            session, {ConnectAddress(server.address().address(), server.address().port())},
            request);
    }
    static void unregister(FwxdClient& as, const sdbus::ObjectPath& filter) {
        sdbus::createProxy(as.connection(), FwxdName, filter)
            ->callMethod("Unregister")
            .onInterface(ConnectFilter1);
    }
    static bool exists(FwxdClient& as, const sdbus::ObjectPath& filter) {
        try {
            sdbus::createProxy(as.connection(), FwxdName, filter)
                ->getProperty("ProtocolGuid")
                .onInterface(ConnectFilter1);
            return true;
        } catch (const sdbus::Error&) {
            return false;
        }
    }

    Target server{lab, Family::V4, net::Transport::Tcp};
    sdbus::ObjectPath session;
};

TEST_F(ConnectFilters, HearOfARedirectBeforeItsRequesterAndOfItsConnection) {
    session = client().openSession();
    const std::unique_ptr<FwxdClient> filter = connect(); // root: an administrator
    const sdbus::ObjectPath registration = filter->firewall().RegisterConnectFilter(Guid, {});
    EXPECT_EQ(registration, "/org/fwxd/Firewall1/filter/1");

    const Redirected redirected = redirectOfTheProtocol();
    const sdbus::ObjectPath& action = redirected.actions.at(0);
    // fwxd sent RedirectCreated before its reply, and the bus keeps fwxd's order: once the
    // requester has its answer, the filter's sync() finds the signal delivered already.
    filter->sync();
    const auto created = filter->signals().of(FirewallPath, "RedirectCreated");
    ASSERT_EQ(created.size(), 1U) << filter->signals().describe();
    EXPECT_EQ(created[0].argument, action);
    EXPECT_EQ(created[0].destination, filter->uniqueName()) << "unicast";
    EXPECT_EQ(field<sdbus::ObjectPath>(created[0], "Session"), session);
    EXPECT_EQ(field<std::string>(created[0], "ProtocolGuid"), Guid);
    EXPECT_EQ(field<std::string>(created[0], "InternalAddress"), redirected.internalAddress);
    EXPECT_EQ(field<std::uint16_t>(created[0], "InternalPort"), redirected.basePort);
    EXPECT_EQ(field<std::string>(created[0], "ConnectAddress"), server.address().address());
    EXPECT_EQ(field<std::uint16_t>(created[0], "ConnectPort"), server.address().port());
    EXPECT_EQ(field<std::string>(created[0], "ProxyExternalAddress"),
              Lab::proxyAddress(Family::V4));
    EXPECT_EQ(field<std::string>(created[0], "Protocol"), "tcp");
    EXPECT_EQ(field<std::uint32_t>(created[0], "Flags"), 0U);
    EXPECT_EQ(field<std::string>(created[0], "Mode"), "kernel");
    EXPECT_EQ(client().received(FirewallPath, "RedirectCreated"), 0U) << "only to the filter";

    filter->action(action); // subscribes to the action's signals
    ASSERT_TRUE(server.reachedVia({redirected.internalAddress, redirected.basePort},
                                  Client{&lab.client(), {}, {}}));
    EXPECT_TRUE(filter->waitForSignal(action, "Established", std::nullopt, 10s));
    EXPECT_TRUE(filter->waitForSignal(action, "Closed", std::nullopt, 10s));
    EXPECT_TRUE(client().waitForSignal(action, "Closed", std::nullopt, 10s)) << "and to its owner";
    const auto closed = filter->signals().of(action, "Closed");
    ASSERT_EQ(closed.size(), 1U);
    EXPECT_EQ(closed[0].destination, filter->uniqueName());
    EXPECT_GT(field<std::uint64_t>(closed[0], "BytesFromClient"), 0U);
}

TEST_F(ConnectFilters, HearNothingOfOtherProtocolsNorAfterUnregister) {
    session = client().openSession();
    const std::unique_ptr<FwxdClient> filter = connect();
    const sdbus::ObjectPath registration = filter->firewall().RegisterConnectFilter(Guid, {});
    client().redirect(session, {ConnectAddress(server.address().address(), 21000)});
    redirectOfTheProtocol(NoKernelMode);
    filter->sync();
    const auto created = filter->signals().of(FirewallPath, "RedirectCreated");
    ASSERT_EQ(created.size(), 1U) << "the redirect without the GUID is not the filter's";
    EXPECT_EQ(field<std::string>(created[0], "Mode"), "user");

    EXPECT_NO_THROW(unregister(client(), registration)) << "root may unregister another's filter";
    EXPECT_FALSE(exists(*filter, registration));
    redirectOfTheProtocol();
    filter->sync();
    EXPECT_EQ(filter->signals().of(FirewallPath, "RedirectCreated").size(), 1U);
    EXPECT_TRUE(failsWith([&] { unregister(*filter, registration); },
                          "org.freedesktop.DBus.Error.UnknownObject"));
}

TEST_F(ConnectFilters, GoWithTheirRegistrant) {
    session = client().openSession();
    std::unique_ptr<FwxdClient> filter = connect();
    const sdbus::ObjectPath registration = filter->firewall().RegisterConnectFilter(Guid, {});
    ASSERT_TRUE(exists(client(), registration));
    filter.reset();
    EXPECT_TRUE(waitUntil([&] { return !exists(client(), registration); }, 5s,
                          "the filter leaving with its registrant"));
    redirectOfTheProtocol(); // nobody to tell, and nothing fails
    EXPECT_EQ(client().firewall().ActiveRedirects(), 1U);
}

TEST_F(ConnectFilters, AreAnAdministratorsAct) {
    const CommandResult asNobody =
        gdbusCallAsNobody(FirewallPath, "org.fwxd.Firewall1.RegisterConnectFilter", {Guid, "{}"});
    EXPECT_NE(asNobody.exitStatus, 0);
    EXPECT_NE(asNobody.err.find("org.fwxd.Error.AccessDenied"), std::string::npos) << asNobody.err;
    EXPECT_NE(asNobody.err.find("administrator"), std::string::npos) << asNobody.err;

    EXPECT_TRUE(failsWith(
        [&] {
            client().firewall().RegisterConnectFilter("0badc0de-0000-4000-8000-000000000000", {});
        },
        "org.fwxd.Error.UnknownProtocol"));
    EXPECT_TRUE(failsWith(
        [&] {
            client().firewall().RegisterConnectFilter(Guid, {{"Verbose", sdbus::Variant(true)}});
        },
        "org.fwxd.Error.InvalidArgument"));
}

} // namespace
} // namespace fwx::test
