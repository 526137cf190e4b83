// Requests at the largest sizes the configuration allows: every element of a request with
// every option set is in the kernel, or none is, and Close leaves none behind — for
// MaxPortsPerRequest = 1024 and a protocol with 1000 primary ports, in both families.
// (A batch this large once overflowed a netlink attribute: the kernel applied part of it
// and fwxd answered OK.)
#include "DaemonFixture.hpp"
#include "Target.hpp"
#include "lab/FamilyParam.hpp"
#include "lab/WaitUntil.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t MinuteUsec = 60'000'000;
constexpr std::uint16_t MaxPorts = 1024;

class Scale : public DaemonFixture, public ::testing::WithParamInterface<Family> {
protected:
    Scale() {
        // Room for a third request however the first two landed (ports are picked at random).
        settings.portRange = "40000-49999";
        settings.maxPortsPerRequest = MaxPorts;
        settings.maxActionsPerClient = 100000;
    }

    Family family() const { return GetParam(); }
    std::string suffix() const { return family() == Family::V4 ? "_v4" : "_v6"; }
    std::size_t elements(const std::string& set) const { return kernelElements(set + suffix()); }
    // Every port of a request leads to the one server, so that any of them can be tried.
    std::vector<ConnectAddress> targets(std::uint16_t count) const {
        return std::vector<ConnectAddress>(
            count, ConnectAddress(server.address().address(), server.address().port()));
    }
    std::string clientPrefix() const {
        return family() == Family::V4 ? "192.0.2.0/24" : "2001:db8:c::/64";
    }

    Target server{lab, family(), net::Transport::Tcp};
};

TEST_P(Scale, EveryElementOfTheLargestRequestsIsProgrammedAndCloseRemovesThemAll) {
    const sdbus::ObjectPath session = client().openSession();
    // Single use, any client: ports, dnat, once, open.
    client().redirectUnsubscribed(session, targets(500));
    // Many uses, a client prefix, a proxy address, a timeout: ports, dnat, multi, source, snat.
    RedirectRequest prefixed;
    prefixed.flags = TimeoutFlag | AllowMultiple;
    prefixed.proxyExternalAddress = Lab::proxyAddress(family());
    prefixed.options = {{"Timeout", sdbus::Variant(MinuteUsec)},
                        {"AllowedSource", sdbus::Variant(clientPrefix())}};
    const Redirected multi = client().redirectUnsubscribed(session, targets(MaxPorts), prefixed);
    // Single use, one client, a proxy address, a timeout: ports, dnat, once, client, snat.
    RedirectRequest single = prefixed;
    single.flags = TimeoutFlag;
    single.options["AllowedSource"] = sdbus::Variant(Lab::clientAddress(family()));
    client().redirectUnsubscribed(session, targets(MaxPorts), single);

    constexpr std::size_t all = 500 + 2 * MaxPorts;
    EXPECT_EQ(elements("ports"), all);
    EXPECT_EQ(elements("dnat"), all);
    EXPECT_EQ(elements("once"), 500U + MaxPorts);
    EXPECT_EQ(elements("once_limits"), 500U + MaxPorts);
    EXPECT_EQ(elements("open"), 500U);
    EXPECT_EQ(elements("multi"), MaxPorts);
    EXPECT_EQ(elements("source"), MaxPorts);
    EXPECT_EQ(elements("client"), MaxPorts);
    EXPECT_EQ(elements("snat"), 2U * MaxPorts);
    EXPECT_EQ(client().firewall().ActiveRedirects(), all);
    // The last port of the largest group works end to end.
    const SocketAddress last(multi.internalAddress,
                             static_cast<std::uint16_t>(multi.basePort + MaxPorts - 1));
    EXPECT_TRUE(server.reachedVia(last, Client{&lab.client(), {}, {}}));

    client().session(session).Close();
    EXPECT_EQ(kernelElements(), 0U);
    EXPECT_EQ(client().firewall().ActiveRedirects(), 0U);
    EXPECT_TRUE(client().firewall().Sessions().empty());
    EXPECT_TRUE(server.refusedVia(last, Client{&lab.client(), {}, {}}) ||
                !server.reachedVia(last, Client{&lab.client(), {}, {}}));
}

// Close tells the owner of every action's end, however many: more Expired signals than
// sd-bus may queue at once (SignalQueue::Backlog) arrive, each once, and fwxd answers
// calls while they go out.
TEST_P(Scale, CloseSendsTheExpiredOfEveryAction) {
    const sdbus::ObjectPath session = client().openSession();
    for (int i = 0; i < 2; ++i) {
        client().redirectUnsubscribed(session, targets(MaxPorts));
    }
    std::map<std::string, int> expired;
    const sdbus::Slot match = client().connection().addMatch(
        "type='signal',interface='org.fwxd.Action1',member='Expired'", [&](sdbus::Message& signal) {
            std::string reason;
            signal >> reason;
            if (reason == "session-closed") {
                ++expired[signal.getPath()];
            }
        });
    client().sync(); // the match rule is in place before the signals come
    client().session(session).Close();
    EXPECT_EQ(client().firewall().ActiveRedirects(), 0U);
    EXPECT_TRUE(waitUntil(
        [&] {
            client().sync();
            return expired.size() == std::size_t{2} * MaxPorts;
        },
        20s, "an Expired of every action"));
    EXPECT_TRUE(std::all_of(expired.begin(), expired.end(),
                            [](const auto& entry) { return entry.second == 1; }));
}

// The owner's connection drops: the same teardown, through NameOwnerChanged.
TEST_P(Scale, AVanishedOwnersLargestRequestsLeaveNothing) {
    auto owner = connect();
    const sdbus::ObjectPath session = owner->openSession();
    for (int i = 0; i < 2; ++i) {
        owner->redirectUnsubscribed(session, targets(MaxPorts));
    }
    ASSERT_EQ(elements("ports"), 2U * MaxPorts);
    ASSERT_EQ(client().firewall().ActiveRedirects(), 2U * MaxPorts);
    owner.reset();
    EXPECT_TRUE(waitUntil([&] { return client().firewall().Sessions().empty(); }, 10s,
                          "fwxd to close the vanished owner's session"));
    EXPECT_EQ(kernelElements(), 0U);
    EXPECT_EQ(client().firewall().ActiveRedirects(), 0U);
}

INSTANTIATE_TEST_SUITE_P(Families, Scale, bothFamilies(), FamilyParamName());

class ScaleProtocols : public DaemonFixture {};

TEST_F(ScaleProtocols, AThousandPrimaryPortsGetTheirHelperAndLoseItAgain) {
    const std::string guid = "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}";
    std::vector<std::uint16_t> ports;
    for (std::uint16_t port = 20000; port < 21000; ++port) {
        ports.push_back(port);
    }
    const Options spec = {
        {"Name", sdbus::Variant(std::string("many-ftp"))},
        {"Transport", sdbus::Variant(std::string("tcp"))},
        {"PrimaryPorts", sdbus::Variant(ports)},
        {"Helper", sdbus::Variant(std::string("ftp"))},
        {"Servers", sdbus::Variant(std::vector<std::string>{Lab::serverAddress(Family::V4),
                                                            Lab::serverAddress(Family::V6)})}};
    client().firewall().RegisterProtocol(guid, spec);
    EXPECT_EQ(kernelElements("helpers_v4"), 1000U);
    EXPECT_EQ(kernelElements("helpers_v6"), 1000U);
    client().firewall().UnregisterProtocol(guid);
    EXPECT_EQ(kernelElements("helpers_v4"), 0U);
    EXPECT_EQ(kernelElements("helpers_v6"), 0U);
    // Nothing stuck: it registers again.
    client().firewall().RegisterProtocol(guid, spec);
    EXPECT_EQ(kernelElements("helpers_v4"), 1000U);
}

} // namespace
} // namespace fwx::test
