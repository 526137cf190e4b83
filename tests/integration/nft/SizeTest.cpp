// At the largest sizes the configuration allows, the kernel holds exactly what the engine
// says, element by element (issue 9: a 1024-port group came back OK with part of its
// elements in the kernel, and its removal then failed with ENOSPC). Counted with netlink
// dumps of every set and of the objects (TableDump), transactions with NftMonitor.
#include "Firewall.hpp"
#include "NftMonitor.hpp"
#include "TableDump.hpp"
#include "error/Error.hpp"

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <linux/netfilter/nf_tables.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;
using net::Transport;
using redirect::Redirect;
using redirect::RedirectGroup;

constexpr std::size_t MaxGroup = 1024; // MaxPortsPerRequest's upper bound

// Every set of both families.
const std::vector<std::string>& allSets() {
    static const std::vector<std::string> sets = [] {
        std::vector<std::string> names;
        for (const char* family : {"v4", "v6"}) {
            for (const char* kind : {"ports_", "dnat_", "once_", "once_limits_", "multi_", "open_",
                                     "client_", "source_", "snat_"}) {
                names.push_back(std::string(kind) + family);
            }
        }
        return names;
    }();
    return sets;
}

// Element count of every set, and the limit objects.
std::map<std::string, std::size_t> counts() {
    const TableDump table;
    std::map<std::string, std::size_t> counted;
    for (const std::string& set : allSets()) {
        counted[set] = table.elements(set).size();
    }
    counted["limit objects"] = table.objects(NFT_OBJECT_LIMIT).size();
    return counted;
}

// Everything the kernel holds for redirects, element by element, sorted (a hash set dumps
// in bucket order, which a refused transaction may change): for before/after checks.
std::map<std::string, std::vector<std::string>> contents() {
    const TableDump table;
    std::map<std::string, std::vector<std::string>> all;
    for (const std::string& set : allSets()) {
        for (const auto& e : table.elements(set)) {
            all[set].push_back(fmt::format("{} {} {} {} {} {}", fmt::join(e.key, ","),
                                           fmt::join(e.keyEnd, ","), fmt::join(e.data, ","),
                                           e.objref, e.comment, e.timeoutMs.value_or(0)));
        }
    }
    all["limit objects"] = table.objects(NFT_OBJECT_LIMIT);
    for (auto& [name, elements] : all) {
        std::sort(elements.begin(), elements.end());
    }
    return all;
}

// The ports of a set's elements (bytes 4-5 of an IPv4 key, 20-21 of an IPv6 key).
std::set<std::uint16_t> portsIn(const std::string& set) {
    const std::size_t at = set.ends_with("v4") ? 8 : 20;
    std::set<std::uint16_t> ports;
    for (const auto& e : TableDump().elements(set)) {
        ports.insert(static_cast<std::uint16_t>(e.key.at(at) << 8 | e.key.at(at + 1)));
    }
    return ports;
}

// A redirect with every option: TIMEOUT, SNAT, an allowed prefix; single use.
Redirect everyOption(std::uint16_t port) {
    Redirect r;
    r.internal = {net::Address::parse("203.0.113.1"), port};
    r.target = {net::Address::parse("198.51.100.2"), static_cast<std::uint16_t>(port - 20000)};
    r.snatSource = net::Address::parse("198.51.100.100");
    r.permissionTimeout = std::chrono::milliseconds(600000);
    r.allowedSource = net::Prefix::parse("192.0.2.0/24");
    return r;
}

RedirectGroup groupOf(redirect::GroupId id, std::uint16_t first, std::size_t size) {
    RedirectGroup group{id, {}};
    for (std::size_t i = 0; i < size; ++i) {
        group.redirects.push_back(everyOption(static_cast<std::uint16_t>(first + i)));
    }
    return group;
}

class Sizes : public ::testing::Test {
protected:
    Lab lab;
};

// Four groups of 1024 ports, every option, both families, both kinds of permission, both
// kinds of client restriction: one transaction each, every element there, and gone after.
TEST_F(Sizes, LargestGroupsWithEveryOptionArriveWholeAndLeaveNothing) {
    Firewall firewall(redirect::PortRange(40000, 49999), MaxGroup);
    NftMonitor monitor;
    struct Spec {
        Family family;
        Transport transport;
        std::uint32_t flags;
        const char* allowedSource;
    };
    const std::vector<Spec> specs{
        {Family::V4, Transport::Tcp, redirect::flags::Timeout, "192.0.2.0/24"},
        {Family::V4, Transport::Udp, redirect::flags::Timeout | redirect::flags::AllowMultiple,
         "192.0.2.2"},
        {Family::V6, Transport::Tcp, redirect::flags::Timeout, "2001:db8:c::2"},
        {Family::V6, Transport::Udp, redirect::flags::Timeout | redirect::flags::AllowMultiple,
         "2001:db8:c::/64"},
    };
    std::vector<redirect::GroupId> ids;
    for (const Spec& spec : specs) {
        std::vector<SocketAddress> targets;
        for (std::size_t i = 0; i < MaxGroup; ++i) {
            targets.emplace_back(Lab::serverAddress(spec.family),
                                 static_cast<std::uint16_t>(10000 + i));
        }
        redirect::Request request = Firewall::requestTo(targets, spec.transport);
        request.flags = spec.flags;
        request.timeout = 10min;
        request.proxyExternalAddress = net::Address::parse(Lab::proxyAddress(spec.family));
        request.allowedSource = net::Prefix::parse(spec.allowedSource);
        const auto& group = firewall.open(request);
        ASSERT_EQ(group.redirects.size(), MaxGroup);
        ids.push_back(group.id);
        EXPECT_EQ(monitor.drain().transactions, 1U) << "one transaction per group";
    }

    const std::size_t n = MaxGroup;
    const std::map<std::string, std::size_t> expected{
        {"ports_v4", 2 * n},   {"dnat_v4", 2 * n},    {"snat_v4", 2 * n},      {"once_v4", n},
        {"once_limits_v4", n}, {"multi_v4", n},       {"source_v4", n},        {"client_v4", n},
        {"open_v4", 0},        {"ports_v6", 2 * n},   {"dnat_v6", 2 * n},      {"snat_v6", 2 * n},
        {"once_v6", n},        {"once_limits_v6", n}, {"multi_v6", n},         {"source_v6", n},
        {"client_v6", n},      {"open_v6", 0},        {"limit objects", 2 * n}};
    EXPECT_EQ(counts(), expected);
    std::set<std::uint16_t> allocated;
    for (const auto id : ids) {
        for (const Redirect& r : firewall.find(id)->redirects) {
            if (r.internal.family() == net::Family::V4) {
                allocated.insert(r.internal.port);
            }
        }
    }
    EXPECT_EQ(portsIn("ports_v4"), allocated);

    for (const auto id : ids) {
        firewall.close(id);
    }
    // Each group in a few bounded transactions (a single-use redirect with every option
    // costs 8 operations, a multi-use one 6).
    EXPECT_GE(monitor.drain().transactions, 2U * ids.size());
    for (auto& [name, count] : counts()) {
        EXPECT_EQ(count, 0U) << name;
    }
}

// The clash is the last redirect of a 1024-port group: every set's last message, and so
// the batch's last message (the one that asks for the acknowledgement), is refused. The
// kernel must look exactly as before, and the error must name the element.
TEST_F(Sizes, RefusedLargeAddLeavesTheKernelExactlyAsBefore) {
    nft::Engine engine;
    engine.addGroup(groupOf(1, 41023, 1));
    engine.addGroup(groupOf(2, 43000, 10));
    const auto before = contents();
    const RedirectGroup clashing = groupOf(3, 40000, MaxGroup); // 40000 .. 41023
    try {
        engine.addGroup(clashing);
        FAIL() << "the kernel accepted a duplicate element";
    } catch (const Error& e) {
        EXPECT_EQ(e.errnum(), EEXIST) << e.what();
        const std::string what = e.what();
        EXPECT_NE(what.find("ports_v4"), std::string::npos) << what;
        EXPECT_NE(what.find("group 3"), std::string::npos) << what;
        EXPECT_NE(what.find("element 203.0.113.1:41023/tcp"), std::string::npos) << what;
    }
    EXPECT_EQ(contents(), before);
    // The engine is still in step with the kernel: the same group without the clash goes in.
    RedirectGroup fits = clashing;
    fits.redirects.pop_back();
    engine.addGroup(fits);
    EXPECT_EQ(counts().at("ports_v4"), 1U + 10U + (MaxGroup - 1));
}

// A redirect that is not programmed sits in the middle of a long removal: the transaction
// holding it is refused, those before it are gone, and the kernel holds exactly the
// redirects from `removed` on.
TEST_F(Sizes, RefusedRemovalInTheMiddleRemovesExactlyWhatItSays) {
    nft::Engine engine;
    NftMonitor monitor;
    std::vector<Redirect> all;
    for (redirect::GroupId id = 1; id <= 3; ++id) {
        const RedirectGroup group =
            groupOf(id, static_cast<std::uint16_t>(40000 + (id - 1) * MaxGroup), MaxGroup);
        engine.addGroup(group);
        all.insert(all.end(), group.redirects.begin(), group.redirects.end());
    }
    const std::size_t bad = 1500;
    all.insert(all.begin() + bad, everyOption(45000)); // never programmed
    monitor.drain();

    const redirect::Removal removal = engine.removeRedirects(all);
    ASSERT_TRUE(removal.error);
    EXPECT_EQ(removal.error->errnum(), ENOENT) << removal.error->what();
    EXPECT_NE(std::string(removal.error->what()).find("203.0.113.1:45000/tcp"), std::string::npos)
        << removal.error->what();
    EXPECT_GT(removal.removed, 0U);
    EXPECT_LE(removal.removed, bad);
    EXPECT_GE(monitor.drain().transactions, 2U) << "the removal was not split";

    std::set<std::uint16_t> left;
    for (std::size_t i = removal.removed; i < all.size(); ++i) {
        if (i != bad) {
            left.insert(all[i].internal.port);
        }
    }
    EXPECT_EQ(portsIn("ports_v4"), left);
    for (const char* set : {"dnat_v4", "snat_v4", "once_v4", "once_limits_v4", "source_v4"}) {
        EXPECT_EQ(portsIn(set), left) << set;
    }
    EXPECT_EQ(counts().at("limit objects"), left.size());

    // The rest, without the stranger, goes completely.
    std::vector<Redirect> rest(all.begin() + static_cast<std::ptrdiff_t>(removal.removed),
                               all.end());
    rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(bad - removal.removed));
    const redirect::Removal second = engine.removeRedirects(rest);
    EXPECT_FALSE(second.error) << second.error->what();
    EXPECT_EQ(second.removed, rest.size());
    for (auto& [name, count] : counts()) {
        EXPECT_EQ(count, 0U) << name;
    }
}

// RegisterProtocol with 1000 primary ports and a helper kept 36 of them and could never be
// unregistered (issue 9).
TEST_F(Sizes, HelperOfThousandPortsAddsAndRemovesWhole) {
    nft::Engine engine;
    NftMonitor monitor;
    redirect::HelperAssignment assignment{"helper-6f1c7c2e-5b1a-4d58-9a3e-2f0e4b8c9d10",
                                          "irc",
                                          Transport::Tcp,
                                          {},
                                          {net::Prefix::parse("198.51.100.0/24")}};
    for (std::uint16_t port = 6000; port < 7000; ++port) {
        assignment.ports.push_back(port);
    }
    engine.addHelper(assignment);
    EXPECT_EQ(monitor.drain().transactions, 1U);
    const TableDump table;
    const auto elements = table.elements("helpers_v4");
    EXPECT_EQ(elements.size(), 1000U);
    for (const auto& e : elements) {
        ASSERT_EQ(e.objref, assignment.name);
    }
    EXPECT_EQ(table.objects(NFT_OBJECT_CT_HELPER), std::vector<std::string>{assignment.name});

    engine.removeHelper(assignment);
    EXPECT_EQ(monitor.drain().transactions, 1U);
    EXPECT_TRUE(table.elements("helpers_v4").empty());
    EXPECT_TRUE(table.objects(NFT_OBJECT_CT_HELPER).empty());
}

} // namespace
} // namespace fwx::test
