// Real packets through redirects that the real fwxd opened on request over D-Bus: client
// namespace -> firewall (this process, where fwxd runs) -> server namespace, for IPv4 and
// IPv6, TCP and UDP, and the signals the requesting client receives.
#include "DaemonFixture.hpp"
#include "Target.hpp"
#include "lab/Conntrack.hpp"
#include "lab/FamilyParam.hpp"
#include "lab/WaitUntil.hpp"
#include "net/Transport.hpp"

#include <chrono>
#include <optional>
#include <tuple>

#include <gtest/gtest.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;
using net::Transport;

using Param = FamilyTransport;

constexpr std::uint64_t OneSecondUsec = 1'000'000;

class RedirectTraffic : public DaemonFixture, public ::testing::WithParamInterface<Param> {
protected:
    Family family() const { return std::get<0>(GetParam()); }
    Transport transport() const { return std::get<1>(GetParam()); }
    std::string familySuffix() const { return family() == Family::V4 ? "v4" : "v6"; }
    Client fromClient() const { return Client{&lab.client(), {}, {}}; }

    RedirectRequest request(std::uint32_t flags = 0) const {
        RedirectRequest request;
        request.protocol = std::string(net::toString(transport()));
        request.flags = flags;
        return request;
    }
    std::vector<ConnectAddress> toServer() const {
        return {ConnectAddress(server.address().address(), server.address().port())};
    }
    static SocketAddress internalOf(const Redirected& redirected, std::uint16_t index = 0) {
        return {redirected.internalAddress,
                static_cast<std::uint16_t>(redirected.basePort + index)};
    }
    Redirected open(FwxdClient& owner, const RedirectRequest& request) {
        return owner.redirect(owner.openSession(), toServer(), request);
    }

    Target server{lab, family(), transport()};
};

TEST_P(RedirectTraffic, ReachesTheTargetWithTheClientsAddress) {
    const Redirected redirected = open(client(), request());
    EXPECT_EQ(redirected.internalAddress, Lab::internalAddress(family()));
    std::optional<SocketAddress> seenAs;
    ASSERT_TRUE(server.reachedVia(internalOf(redirected), fromClient(), &seenAs));
    EXPECT_EQ(seenAs->address(), Lab::clientAddress(family()));
}

TEST_P(RedirectTraffic, TargetSeesTheProxyExternalAddress) {
    RedirectRequest request = this->request();
    request.proxyExternalAddress = Lab::proxyAddress(family());
    const Redirected redirected = open(client(), request);
    EXPECT_EQ(client().action(redirected.actions.at(0)).ProxyExternalAddress(),
              Lab::proxyAddress(family()));
    EXPECT_EQ(kernelElements("snat_" + familySuffix()), 1U);
    std::optional<SocketAddress> seenAs;
    ASSERT_TRUE(server.reachedVia(internalOf(redirected), fromClient(), &seenAs));
    EXPECT_EQ(seenAs->address(), Lab::proxyAddress(family()));
}

// The used permission's element stays in once_* until fwxd removes the redirect (when
// its connection ends); its limit object, spent by the first connection, refuses the rest.
TEST_P(RedirectTraffic, SingleUseAdmitsOneConnectionOnly) {
    const Redirected redirected = open(client(), request());
    ASSERT_TRUE(server.reachedVia(internalOf(redirected), fromClient()));
    EXPECT_TRUE(server.refusedVia(internalOf(redirected), fromClient()));
    EXPECT_TRUE(server.refusedVia(internalOf(redirected), fromClient()));
}

TEST_P(RedirectTraffic, AllowMultipleAdmitsManyConnections) {
    const Redirected redirected = open(client(), request(AllowMultiple));
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(server.reachedVia(internalOf(redirected), fromClient())) << "attempt " << i;
    }
    EXPECT_EQ(kernelElements("multi_" + familySuffix()), 1U);
}

// The owner alone hears of the expiry: a second connection that subscribed to the same
// signal of the same object gets nothing (the signal is unicast).
TEST_P(RedirectTraffic, UnusedPermissionExpiresWithASignalToItsOwnerOnly) {
    RedirectRequest request = this->request(TimeoutFlag);
    request.options = {{"Timeout", sdbus::Variant(OneSecondUsec)}};
    const Redirected redirected = open(client(), request);
    const sdbus::ObjectPath& action = redirected.actions.at(0);
    const auto bystander = connect();
    bystander->action(action);

    ASSERT_TRUE(client().waitForSignal(action, "Expired", "timeout", 10s));
    EXPECT_TRUE(client().waitForSignal(action, "Finished", "expired,0", 5s));
    for (const ReceivedSignal& signal : client().signals().all()) {
        EXPECT_EQ(signal.destination, client().uniqueName()) << signal;
    }
    EXPECT_TRUE(objectGone(client().connection(), action, "org.fwxd.Action1"))
        << "an expired action admits nothing and nothing lives through it";
    EXPECT_EQ(kernelElements("ports_" + familySuffix()), 0U) << "the port was not freed";
    EXPECT_TRUE(server.refusedVia(internalOf(redirected), fromClient()));

    bystander->sync();
    EXPECT_EQ(bystander->signals().all().size(), 0U) << bystander->signals().describe();
}

TEST_P(RedirectTraffic, UsedTimedPermissionIsConsumedWithoutExpired) {
    RedirectRequest request = this->request(TimeoutFlag);
    request.options = {{"Timeout", sdbus::Variant(OneSecondUsec)}};
    const Redirected redirected = open(client(), request);
    const sdbus::ObjectPath& action = redirected.actions.at(0);
    const std::uint64_t deadline = client().action(action).ExpiresAt();
    ASSERT_TRUE(server.reachedVia(internalOf(redirected), fromClient()));
    // The connection used the permission, as conntrack(8) sees it.
    EXPECT_FALSE(conntrackList("-f", family() == Family::V4 ? "ipv4" : "ipv6", "-p",
                               net::toString(transport()), "--dst", redirected.internalAddress,
                               "--dport", std::to_string(redirected.basePort))
                     .empty());
    // A used single-use permission stops expiring; its TCP connection has ended already
    // (the action then finished), its UDP flow lives on.
    if (transport() == net::Transport::Tcp) {
        EXPECT_TRUE(client().waitForSignal(action, "Finished", "consumed,1", 10s));
    } else {
        EXPECT_TRUE(waitUntil([&] { return client().action(action).ExpiresAt() == 0; }, 10s,
                              "a used permission to stop expiring"));
    }
    EXPECT_TRUE(waitUntil(
        [&] {
            const auto now = std::chrono::system_clock::now().time_since_epoch();
            return std::chrono::duration_cast<std::chrono::microseconds>(now).count() >
                   static_cast<std::int64_t>(deadline + OneSecondUsec);
        },
        10s, "the deadline to pass"));
    client().sync();
    EXPECT_EQ(client().received(action, "Expired"), 0U) << client().signals().describe();
    if (transport() == net::Transport::Tcp) {
        EXPECT_EQ(client().received(action, "Finished", "consumed,1"), 1U)
            << client().signals().describe();
    } else {
        const std::string state = client().action(action).State();
        EXPECT_TRUE(state == "established" || state == "consumed") << state;
    }
}

TEST_P(RedirectTraffic, CancelledPermissionRefusesConnections) {
    const Redirected redirected = open(client(), request(AllowMultiple));
    const sdbus::ObjectPath& action = redirected.actions.at(0);
    ASSERT_TRUE(server.reachedVia(internalOf(redirected), fromClient()));
    client().action(action).Cancel();
    EXPECT_TRUE(client().waitForSignal(action, "Expired", "cancelled", 5s));
    EXPECT_EQ(kernelElements(), 0U);
    if (transport() == net::Transport::Tcp) { // its connection ended: nothing keeps it
        EXPECT_TRUE(client().waitForSignal(action, "Finished", "cancelled,1", 5s));
        EXPECT_TRUE(objectGone(client().connection(), action, "org.fwxd.Action1"));
    } else { // its UDP flow lives on, and keeps it (and its port) until it ends
        EXPECT_EQ(client().action(action).State(), "cancelled");
    }
    EXPECT_TRUE(server.refusedVia(internalOf(redirected), fromClient()));
}

TEST_P(RedirectTraffic, ClosedSessionRefusesConnections) {
    const sdbus::ObjectPath session = client().openSession();
    const Redirected redirected = client().redirect(session, toServer(), request(AllowMultiple));
    ASSERT_TRUE(server.reachedVia(internalOf(redirected), fromClient()));
    client().session(session).Close();
    EXPECT_TRUE(client().waitForSignal(redirected.actions.at(0), "Expired", "session-closed", 5s));
    EXPECT_EQ(kernelElements(), 0U);
    EXPECT_TRUE(server.refusedVia(internalOf(redirected), fromClient()));
}

TEST_P(RedirectTraffic, VanishedOwnersRedirectsAreRemoved) {
    auto owner = connect();
    const sdbus::ObjectPath session = owner->openSession();
    const Redirected redirected = owner->redirect(session, toServer(), request(AllowMultiple));
    ASSERT_TRUE(server.reachedVia(internalOf(redirected), fromClient()));
    owner.reset();
    EXPECT_TRUE(waitUntil([&] { return client().firewall().Sessions().empty(); }, 5s,
                          "fwxd to close the vanished owner's session"));
    EXPECT_TRUE(objectGone(client().connection(), session, "org.fwxd.Session1"));
    EXPECT_TRUE(objectGone(client().connection(), redirected.actions.at(0), "org.fwxd.Action1"));
    EXPECT_EQ(client().firewall().ActiveRedirects(), 0U);
    EXPECT_EQ(kernelElements(), 0U);
    EXPECT_TRUE(server.refusedVia(internalOf(redirected), fromClient()));
}

TEST_P(RedirectTraffic, EachOfNConsecutivePortsReachesItsTarget) {
    Target second(lab, family(), transport());
    std::vector<ConnectAddress> targets = toServer();
    targets.emplace_back(second.address().address(), second.address().port());
    const Redirected redirected = client().redirect(client().openSession(), targets, request());
    std::optional<SocketAddress> seenAs;
    EXPECT_TRUE(server.reachedVia(internalOf(redirected, 0), fromClient()));
    EXPECT_TRUE(second.reachedVia(internalOf(redirected, 1), fromClient(), &seenAs));
}

INSTANTIATE_TEST_SUITE_P(All, RedirectTraffic, familiesAndTransports(), FamilyTransportName());

} // namespace
} // namespace fwx::test
