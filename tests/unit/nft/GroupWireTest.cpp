// A redirect group as the kernel reads it off the wire, from one port to the largest
// group the configuration allows and beyond: every element of every set arrives, in
// order, whatever the number of messages it takes.
#include "WireMessages.hpp"
#include "nft/GroupElements.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <linux/netfilter/nf_tables.h>

namespace fwx::nft {
namespace {

using redirect::Redirect;
using redirect::RedirectGroup;

// Every option at once: TIMEOUT, SNAT, an allowed prefix (an interval element).
RedirectGroup everyOption(std::size_t ports, bool v6, bool singleUse) {
    RedirectGroup group{7, {}};
    for (std::size_t i = 0; i < ports; ++i) {
        Redirect r;
        const auto port = static_cast<std::uint16_t>(1024 + i);
        if (v6) {
            r.internal = {net::Address::parse("2001:db8:1::1"), port};
            r.target = {net::Address::parse("2001:db8:5:ffff:ffff:ffff:ffff:fff2"), 65535};
            r.snatSource = net::Address::parse("2001:db8:5:ffff:ffff:ffff:ffff:ff00");
            r.allowedSource = net::Prefix::parse("2001:db8:c::/64");
        } else {
            r.internal = {net::Address::parse("203.0.113.1"), port};
            r.target = {net::Address::parse("198.51.100.2"), static_cast<std::uint16_t>(2000 + i)};
            r.snatSource = net::Address::parse("198.51.100.100");
            r.allowedSource = net::Prefix::parse("192.0.2.0/24");
        }
        r.transport = i % 2 == 0 ? net::Transport::Tcp : net::Transport::Udp;
        r.singleUse = singleUse;
        r.permissionTimeout = std::chrono::milliseconds(30000 + i);
        group.redirects.push_back(r);
    }
    return group;
}

void expectSameElements(const GroupElements::SetElements& set,
                        const std::vector<test::WireElement>& wire, bool withValues) {
    ASSERT_EQ(wire.size(), set.elements.size()) << set.set;
    for (std::size_t i = 0; i < wire.size(); ++i) {
        const auto& sent = set.elements[i];
        ASSERT_EQ(wire[i].key, sent.key) << set.set << " element " << i;
        ASSERT_EQ(wire[i].keyEnd, sent.keyEnd) << set.set << " element " << i;
        if (withValues) {
            ASSERT_EQ(wire[i].data, sent.data) << set.set << " element " << i;
            ASSERT_EQ(wire[i].timeoutMs, sent.timeoutMs) << set.set << " element " << i;
            ASSERT_EQ(wire[i].comment, sent.comment) << set.set << " element " << i;
        }
    }
}

class GroupWire : public ::testing::TestWithParam<std::tuple<std::size_t, bool, bool>> {};

TEST_P(GroupWire, EveryElementArrivesInOrderAndNoListOverflowsItsNest) {
    const auto [ports, v6, singleUse] = GetParam();
    const GroupElements elements(everyOption(ports, v6, singleUse), "fwxd");
    Batch batch(1);
    elements.addTo(batch);
    const test::Wire wire = test::parseWire(batch);
    for (const auto& set : elements.sets()) {
        expectSameElements(set, wire.elementsOf(set.set, NFT_MSG_NEWSETELEM), true);
    }
    for (const auto& message : wire.messages) {
        EXPECT_LE(message.elementListBytes, 65535U) << message.set;
    }
}

TEST_P(GroupWire, RemovalNamesEveryElementInOrder) {
    const auto [ports, v6, singleUse] = GetParam();
    const GroupElements elements(everyOption(ports, v6, singleUse), "fwxd");
    Batch batch(1);
    elements.removeFrom(batch);
    const test::Wire wire = test::parseWire(batch);
    for (const auto& set : elements.sets()) {
        expectSameElements(set, wire.elementsOf(set.set, NFT_MSG_DELSETELEM), false);
        // Re-added first: the permissions that may have expired, and only they.
        GroupElements::SetElements expiring = set;
        expiring.elements.resize(set.expiring);
        expectSameElements(expiring, wire.elementsOf(set.set, NFT_MSG_NEWSETELEM), false);
    }
}

std::string groupName(const ::testing::TestParamInfo<std::tuple<std::size_t, bool, bool>>& info) {
    const auto [ports, v6, singleUse] = info.param;
    return std::to_string(ports) + (v6 ? "_v6" : "_v4") + (singleUse ? "_once" : "_multi");
}

INSTANTIATE_TEST_SUITE_P(Sizes, GroupWire,
                         ::testing::Combine(::testing::Values(1, 2, 100, 500, 600, 1024, 4096),
                                            ::testing::Bool(), ::testing::Bool()),
                         groupName);

} // namespace
} // namespace fwx::nft
