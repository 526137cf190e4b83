#include "nft/GroupElements.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace fwx::nft {
namespace {

using redirect::Redirect;
using redirect::RedirectGroup;

Redirect redirectTo(const char* internal, const char* target, bool singleUse) {
    Redirect r;
    r.internal = net::Endpoint::parse(internal);
    r.target = net::Endpoint::parse(target);
    r.singleUse = singleUse;
    r.allowedSource = net::Prefix::any(r.internal.family());
    return r;
}

const GroupElements::SetElements* findSet(const GroupElements& elements, const std::string& name) {
    const auto& sets = elements.sets();
    const auto it =
        std::find_if(sets.begin(), sets.end(), [&](const auto& s) { return s.set == name; });
    return it == sets.end() ? nullptr : &*it;
}

// A group of 64 ports fits one message per set; single use adds its limit objects.
TEST(GroupElements, OneMessagePerSetForTheWholeGroup) {
    for (const bool singleUse : {false, true}) {
        RedirectGroup group{7, {}};
        for (int i = 0; i < 64; ++i) {
            group.redirects.push_back(
                redirectTo(("203.0.113.1:" + std::to_string(41000 + i)).c_str(), "198.51.100.2:80",
                           singleUse));
        }
        const GroupElements elements(group, "fwxd");
        // ports, dnat, once (and once_limits) or multi, open
        ASSERT_EQ(elements.sets().size(), singleUse ? 5U : 4U);
        for (const auto& set : elements.sets()) {
            EXPECT_EQ(set.elements.size(), 64U) << set.set;
        }
        EXPECT_EQ(elements.limits().size(), singleUse ? 64U : 0U);
        Batch batch(1);
        elements.addTo(batch);
        EXPECT_EQ(batch.messageCount(), singleUse ? 5U + 64U : 4U);
    }
}

// Single use: the port maps to a limit object named after it; the permission itself (and
// its timeout) is a plain element of once_*.
TEST(GroupElements, SingleUsePermissionMapsToItsPortsLimit) {
    Redirect tcp = redirectTo("203.0.113.1:41000", "198.51.100.2:80", true);
    Redirect udp = redirectTo("[2001:db8:1::1]:41001", "[2001:db8:5::2]:80", true);
    udp.transport = net::Transport::Udp;
    const GroupElements elements(RedirectGroup{2, {tcp}}, "fwxd");
    ASSERT_EQ(elements.limits().size(), 1U);
    EXPECT_EQ(elements.limits()[0].name(), "once-203.0.113.1-tcp-41000");
    EXPECT_EQ(findSet(elements, "once_limits_v4")->elements[0].objref,
              "once-203.0.113.1-tcp-41000");
    EXPECT_TRUE(findSet(elements, "once_v4")->elements[0].objref.empty());
    EXPECT_FALSE(findSet(elements, "once_limits_v4")->permission);
    EXPECT_EQ(SingleUseLimit::nameFor(udp), "once-2001:db8:1::1-udp-41001");
}

// Removal takes redirects of any groups and families at once.
TEST(GroupElements, RemovalSortsRedirectsOfBothFamiliesIntoTheirSets) {
    const std::vector<Redirect> redirects{
        redirectTo("203.0.113.1:41000", "198.51.100.2:80", true),
        redirectTo("[2001:db8:1::1]:41000", "[2001:db8:5::2]:80", false),
        redirectTo("203.0.113.1:41001", "198.51.100.2:81", false)};
    const GroupElements elements(redirects, "fwxd");
    EXPECT_EQ(findSet(elements, "ports_v4")->elements.size(), 2U);
    EXPECT_EQ(findSet(elements, "ports_v6")->elements.size(), 1U);
    EXPECT_EQ(findSet(elements, "multi_v6")->elements.size(), 1U);
    EXPECT_EQ(elements.limits().size(), 1U);
    // ports, dnat, once, open, once_limits, limit: 6; ports, dnat, multi, open: 4
    EXPECT_EQ(GroupElements::removalOperations(redirects[0]), 6U);
    EXPECT_EQ(GroupElements::removalOperations(redirects[1]), 4U);
    // A permission with a timeout is re-added before it is removed: one more.
    Redirect timed = redirects[0];
    timed.permissionTimeout = std::chrono::milliseconds(1500);
    EXPECT_EQ(GroupElements::removalOperations(timed), 7U);
}

// Only permissions with a timeout can vanish before their removal; they come first in
// their set, and they alone are re-added by removeFrom.
TEST(GroupElements, PermissionsThatMayExpireComeFirst) {
    std::vector<Redirect> redirects{redirectTo("203.0.113.1:41000", "198.51.100.2:80", false),
                                    redirectTo("203.0.113.1:41001", "198.51.100.2:81", false),
                                    redirectTo("203.0.113.1:41002", "198.51.100.2:82", false)};
    redirects[1].permissionTimeout = std::chrono::milliseconds(1500);
    const GroupElements elements(redirects, "fwxd");
    const auto* multi = findSet(elements, "multi_v4");
    ASSERT_NE(multi, nullptr);
    EXPECT_EQ(multi->expiring, 1U);
    ASSERT_EQ(multi->elements.size(), 3U);
    EXPECT_EQ(multi->elements[0].timeoutMs, 1500U);
    EXPECT_EQ(findSet(elements, "ports_v4")->expiring, 0U);
}

TEST(GroupElements, SplitsPermissionsBySingleUseAndCarriesTimeouts) {
    RedirectGroup group{3,
                        {redirectTo("203.0.113.1:41000", "198.51.100.2:80", true),
                         redirectTo("203.0.113.1:41001", "198.51.100.2:81", false)}};
    group.redirects[0].permissionTimeout = std::chrono::milliseconds(1500);
    const GroupElements elements(group, "fwxd");
    const auto* once = findSet(elements, "once_v4");
    const auto* multi = findSet(elements, "multi_v4");
    ASSERT_NE(once, nullptr);
    ASSERT_NE(multi, nullptr);
    EXPECT_TRUE(once->permission);
    ASSERT_EQ(once->elements.size(), 1U);
    EXPECT_EQ(once->elements[0].timeoutMs, 1500U);
    ASSERT_EQ(multi->elements.size(), 1U);
    EXPECT_FALSE(multi->elements[0].timeoutMs.has_value());
}

TEST(GroupElements, MapsCarryTargetAndProxyAddress) {
    Redirect r = redirectTo("[2001:db8:1::1]:41000", "[2001:db8:5::2]:8080", true);
    r.snatSource = net::Address::parse("2001:db8:5::100");
    const GroupElements elements(RedirectGroup{9, {r}}, "fwxd");
    const auto* dnat = findSet(elements, "dnat_v6");
    const auto* snat = findSet(elements, "snat_v6");
    ASSERT_NE(dnat, nullptr);
    ASSERT_NE(snat, nullptr);
    EXPECT_EQ(dnat->elements[0].key.size(), 24U);
    EXPECT_EQ(dnat->elements[0].data.size(), 20U);
    EXPECT_EQ(snat->elements[0].data.size(), 16U);
    EXPECT_NE(dnat->elements[0].comment.find("[2001:db8:5::2]:8080"), std::string::npos);
}

TEST(GroupElements, SourceIntervalSpansTheAllowedPrefix) {
    Redirect r = redirectTo("203.0.113.1:41000", "198.51.100.2:80", true);
    r.allowedSource = net::Prefix::parse("192.0.2.0/24");
    const GroupElements elements(RedirectGroup{1, {r}}, "fwxd");
    const auto* source = findSet(elements, "source_v4");
    ASSERT_NE(source, nullptr);
    const auto& e = source->elements[0];
    ASSERT_EQ(e.key.size(), 16U);
    EXPECT_EQ((std::vector<std::uint8_t>{e.key.begin() + 12, e.key.end()}),
              (std::vector<std::uint8_t>{192, 0, 2, 0}));
    EXPECT_EQ((std::vector<std::uint8_t>{e.keyEnd.begin() + 12, e.keyEnd.end()}),
              (std::vector<std::uint8_t>{192, 0, 2, 255}));
}

// Anyone and one client are hash lookups; only a real prefix needs the interval set, whose
// lookups grow with its size.
TEST(GroupElements, WhoMayConnectPicksTheCheapestSet) {
    Redirect anyone = redirectTo("203.0.113.1:41000", "198.51.100.2:80", true);
    Redirect one = redirectTo("203.0.113.1:41001", "198.51.100.2:80", true);
    one.allowedSource = net::Prefix::parse("192.0.2.7");
    Redirect some = redirectTo("203.0.113.1:41002", "198.51.100.2:80", true);
    some.allowedSource = net::Prefix::parse("192.0.2.0/24");
    const GroupElements elements(RedirectGroup{4, {anyone, one, some}}, "fwxd");
    for (const char* set : {"open_v4", "client_v4", "source_v4"}) {
        const auto* found = findSet(elements, set);
        ASSERT_NE(found, nullptr) << set;
        EXPECT_EQ(found->elements.size(), 1U) << set;
    }
    const auto& client = findSet(elements, "client_v4")->elements[0];
    EXPECT_EQ((std::vector<std::uint8_t>{client.key.begin() + 12, client.key.end()}),
              (std::vector<std::uint8_t>{192, 0, 2, 7}));
    EXPECT_TRUE(client.keyEnd.empty());
}

std::vector<std::string> setNames(const GroupElements& elements) {
    std::vector<std::string> names;
    for (const auto& set : elements.sets()) {
        names.push_back(set.set);
    }
    return names;
}

// The kernel's expectation is the permission of an expected redirect: nft holds only its
// port and NAT, whatever its flags and allowed source say.
TEST(GroupElements, ExpectedRedirectHasOnlyPortAndDnat) {
    Redirect once = redirectTo("203.0.113.1:41000", "198.51.100.2:80", true);
    Redirect many = redirectTo("203.0.113.1:41001", "198.51.100.2:81", false);
    many.permissionTimeout = std::chrono::milliseconds(1500);
    many.allowedSource = net::Prefix::parse("192.0.2.0/24");
    for (Redirect* r : {&once, &many}) {
        r->expected = true;
    }
    const GroupElements elements(RedirectGroup{5, {once, many}}, "fwxd");
    EXPECT_EQ(setNames(elements), (std::vector<std::string>{"ports_v4", "dnat_v4"}));
    for (const auto& set : elements.sets()) {
        EXPECT_FALSE(set.permission) << set.set;
        EXPECT_EQ(set.elements.size(), 2U) << set.set;
    }
}

TEST(GroupElements, ExpectedRedirectKeepsItsSnat) {
    Redirect r = redirectTo("[2001:db8:1::1]:41000", "[2001:db8:5::2]:8080", true);
    r.snatSource = net::Address::parse("2001:db8:5::100");
    r.allowedSource = net::Prefix::parse("2001:db8:c::2");
    r.expected = true;
    const GroupElements elements(RedirectGroup{6, {r}}, "fwxd");
    EXPECT_EQ(setNames(elements), (std::vector<std::string>{"ports_v6", "dnat_v6", "snat_v6"}));
    Batch batch(1);
    elements.removeFrom(batch);
    EXPECT_EQ(batch.messageCount(), 3U); // nothing to re-add: no permission elements
}

// A group may mix both kinds: only the unexpected redirect gets permission elements.
TEST(GroupElements, MixedGroupGivesPermissionsToUnexpectedRedirectsOnly) {
    Redirect expected = redirectTo("203.0.113.1:41000", "198.51.100.2:80", true);
    expected.expected = true;
    Redirect plain = redirectTo("203.0.113.1:41001", "198.51.100.2:81", true);
    const GroupElements elements(RedirectGroup{8, {expected, plain}}, "fwxd");
    EXPECT_EQ(setNames(elements), (std::vector<std::string>{"ports_v4", "dnat_v4", "once_v4",
                                                            "once_limits_v4", "open_v4"}));
    EXPECT_EQ(findSet(elements, "ports_v4")->elements.size(), 2U);
    EXPECT_EQ(findSet(elements, "once_v4")->elements.size(), 1U);
    EXPECT_EQ(findSet(elements, "open_v4")->elements.size(), 1U);
}

} // namespace
} // namespace fwx::nft
