// Real packets through redirects: client namespace -> firewall (this process) -> server
// namespace, for IPv4 and IPv6, TCP and UDP.
#include "Firewall.hpp"
#include "Target.hpp"
#include "lab/FamilyParam.hpp"
#include "lab/Nft.hpp"
#include "lab/UdpClient.hpp"
#include "lab/UdpServer.hpp"
#include "lab/WaitUntil.hpp"
#include "redirect/Redirect.hpp"

#include <tuple>

#include <gtest/gtest.h>
#include <linux/netfilter/nf_tables.h>

namespace fwx::test {
namespace {

using net::Transport;
using namespace std::chrono_literals;

using Param = FamilyTransport;

class Traffic : public ::testing::TestWithParam<Param> {
protected:
    Family family() const { return std::get<0>(GetParam()); }
    Transport transport() const { return std::get<1>(GetParam()); }
    std::string familySuffix() const { return family() == Family::V4 ? "v4" : "v6"; }
    Client client() const { return Client{&lab.client(), {}, {}}; }

    redirect::Request request() const {
        return Firewall::requestTo({target.address()}, transport());
    }

    // The client's own address is refused, a second client address inside prefix is let
    // through.
    void expectOnlyAllowedSource(const std::string& allowed, const std::string& prefix) {
        // A second client address, used only when a socket binds to it: IPv4 keeps the
        // primary as source, IPv6 needs the new one deprecated (preferred_lft 0).
        if (family() == Family::V4) {
            lab.client().ip({"address", "add", allowed + "/24", "dev", std::string(Lab::peerLink)});
        } else {
            lab.client().ip({"address", "add", allowed + "/64", "dev", std::string(Lab::peerLink),
                             "nodad", "preferred_lft", "0"});
        }
        redirect::Request request = this->request();
        request.flags = redirect::flags::AllowMultiple;
        request.allowedSource = net::Prefix::parse(prefix);
        const auto& group = firewall.open(request);
        const SocketAddress internal = Firewall::internalOf(group);
        EXPECT_TRUE(target.refusedVia(internal, client()));
        std::optional<SocketAddress> seenAs;
        ASSERT_TRUE(target.reachedVia(internal, Client{&lab.client(), allowed, {}}, &seenAs));
        EXPECT_EQ(seenAs->address(), allowed);
    }

    Lab lab;
    Firewall firewall;
    Target target{lab, family(), transport()};
};

TEST_P(Traffic, ReachesTheTargetWithTheClientsAddress) {
    const auto& group = firewall.open(request());
    std::optional<SocketAddress> seenAs;
    ASSERT_TRUE(target.reachedVia(Firewall::internalOf(group), client(), &seenAs));
    EXPECT_EQ(seenAs->address(), Lab::clientAddress(family()));
}

TEST_P(Traffic, TargetSeesTheProxyExternalAddress) {
    redirect::Request request = this->request();
    request.proxyExternalAddress = net::Address::parse(Lab::proxyAddress(family()));
    const auto& group = firewall.open(request);
    std::optional<SocketAddress> seenAs;
    ASSERT_TRUE(target.reachedVia(Firewall::internalOf(group), client(), &seenAs));
    EXPECT_EQ(seenAs->address(), Lab::proxyAddress(family()));
}

// The permission stays in the kernel until its redirect is removed; its limit object,
// spent by the first connection, refuses every later one.
TEST_P(Traffic, SingleUseAdmitsOneConnectionOnly) {
    const auto& group = firewall.open(request());
    const SocketAddress internal = Firewall::internalOf(group);
    ASSERT_TRUE(target.reachedVia(internal, client()));
    EXPECT_TRUE(target.refusedVia(internal, client()));
    EXPECT_TRUE(target.refusedVia(internal, client()));
    EXPECT_EQ(nftElements("once_" + familySuffix()).size(), 1U);
    EXPECT_EQ(nftObjects(NFT_OBJECT_LIMIT).size(), 1U);
    // Removing a group whose permission was used is no error.
    firewall.close(group.id);
    EXPECT_EQ(nftElementCount(), 0U);
    EXPECT_TRUE(nftObjects(NFT_OBJECT_LIMIT).empty());
}

TEST_P(Traffic, AllowMultipleAdmitsManyConnections) {
    redirect::Request request = this->request();
    request.flags = redirect::flags::AllowMultiple;
    const auto& group = firewall.open(request);
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(target.reachedVia(Firewall::internalOf(group), client())) << "attempt " << i;
    }
}

TEST_P(Traffic, UnusedPermissionExpires) {
    redirect::Request request = this->request();
    request.flags = redirect::flags::Timeout;
    request.timeout = 1s;
    const auto& group = firewall.open(request);
    const std::string once = "once_" + familySuffix();
    ASSERT_EQ(nftElements(once).size(), 1U);
    ASSERT_TRUE(waitUntil([&] { return nftElements(once).empty(); }, 5s,
                          "the kernel to expire the permission"));
    EXPECT_TRUE(target.refusedVia(Firewall::internalOf(group), client()));
    // Removing a group whose permission the kernel already expired is no error, and takes
    // the limit object with it at once (once_limits_* never expires, see TableLayout.cpp).
    firewall.close(group.id);
    EXPECT_EQ(nftElementCount(), 0U);
    EXPECT_TRUE(nftObjects(NFT_OBJECT_LIMIT).empty());
}

TEST_P(Traffic, OnlyTheAllowedClientMayConnect) {
    const std::string allowed = family() == Family::V4 ? "192.0.2.3" : "2001:db8:c::3";
    expectOnlyAllowedSource(allowed, allowed);
}

TEST_P(Traffic, OnlyClientsOfTheAllowedPrefixMayConnect) {
    const bool v4 = family() == Family::V4;
    expectOnlyAllowedSource(v4 ? "192.0.2.5" : "2001:db8:c::5",
                            v4 ? "192.0.2.4/30" : "2001:db8:c::4/126");
}

TEST_P(Traffic, ClientOnTheFirewallItselfIsRedirected) {
    const auto& group = firewall.open(request());
    EXPECT_TRUE(target.reachedVia(Firewall::internalOf(group), Client{}));
}

TEST_P(Traffic, ClosedRedirectRefusesConnections) {
    redirect::Request request = this->request();
    request.flags = redirect::flags::AllowMultiple;
    const auto& group = firewall.open(request);
    const SocketAddress internal = Firewall::internalOf(group);
    ASSERT_TRUE(target.reachedVia(internal, client()));
    firewall.close(group.id);
    // The port is no longer allocated: nothing answers on the internal address.
    EXPECT_TRUE(target.refusedVia(internal, client()));
}

INSTANTIATE_TEST_SUITE_P(All, Traffic, familiesAndTransports(), FamilyTransportName());

// A UDP client that keeps its source port must follow a re-used port to its new target:
// without removing the stale conntrack entry its datagrams would still go to the old one.
class UdpPortReuse : public ::testing::TestWithParam<Family> {
protected:
    Lab lab;
    Firewall firewall{redirect::PortRange(41000, 41000)}; // one port: it must be re-used
};

TEST_P(UdpPortReuse, ClientKeepingItsPortReachesTheNewTarget) {
    const Family family = GetParam();
    UdpServer first(&lab.server(), Lab::serverAddress(family));
    UdpServer second(&lab.server(), Lab::serverAddress(family));
    redirect::Request request = Firewall::requestTo({first.address()}, Transport::Udp);
    request.flags = redirect::flags::AllowMultiple;
    const auto& before = firewall.open(request);
    const SocketAddress internal = Firewall::internalOf(before);

    UdpClient client(&lab.client(), family, 50000);
    client.send(internal, "one");
    ASSERT_TRUE(first.receive(3s)) << "the first target got nothing";

    firewall.close(before.id);
    request.targets = {
        net::Endpoint{net::Address::parse(second.address().address()), second.address().port()}};
    const auto& after = firewall.open(request);
    ASSERT_EQ(Firewall::internalOf(after), internal);

    client.send(internal, "two");
    const auto datagram = second.receive(3s);
    ASSERT_TRUE(datagram) << "the new target got nothing";
    EXPECT_EQ(datagram->data, "two");
    EXPECT_FALSE(first.receive(0ms)) << "the old target still got the datagram";
}

INSTANTIATE_TEST_SUITE_P(Families, UdpPortReuse, bothFamilies(), FamilyParamName());

} // namespace
} // namespace fwx::test
