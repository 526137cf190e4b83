#include "redirect/PortFlows.hpp"

#include <gtest/gtest.h>

namespace fwx::redirect {
namespace {

net::Endpoint internalPort() {
    return net::Endpoint::parse("203.0.113.1:41000");
}

Flow flow(std::uint32_t id, const char* client, const net::Endpoint& to = internalPort()) {
    Flow f;
    f.id = id;
    f.transport = net::Transport::Udp;
    f.client = net::Endpoint::parse(client);
    f.internal = to;
    f.target = net::Endpoint::parse("198.51.100.2:80");
    f.source = f.client;
    return f;
}

PortFlows seeded(std::size_t capacity = 16) {
    PortFlows flows(PortRange(41000, 41009), capacity);
    flows.reset({});
    return flows;
}

TEST(PortFlows, KnowsNothingUntilADumpSeedsIt) {
    PortFlows flows(PortRange(41000, 41009), 16);
    EXPECT_FALSE(flows.complete());
    flows.reset({flow(1, "192.0.2.2:5000")});
    EXPECT_TRUE(flows.complete());
    EXPECT_EQ(flows.size(), 1U);
}

TEST(PortFlows, AnswersThePortsEntriesOnly) {
    PortFlows flows = seeded();
    flows.seen(flow(1, "192.0.2.2:5000"));
    flows.seen(flow(2, "[2001:db8:c::2]:5000", net::Endpoint::parse("[2001:db8:1::1]:41000")));
    flows.seen(flow(3, "192.0.2.2:5001"));
    flows.seen(flow(4, "192.0.2.2:5002", net::Endpoint::parse("203.0.113.1:41001")));
    Flow tcp = flow(5, "192.0.2.2:5003");
    tcp.transport = net::Transport::Tcp;
    flows.seen(tcp);

    const auto found = flows.to(net::Transport::Udp, internalPort());
    ASSERT_EQ(found.size(), 2U);
    EXPECT_EQ(found[0].id, 1U);
    EXPECT_EQ(found[1].id, 3U);
    EXPECT_EQ(found[0].target, net::Endpoint::parse("198.51.100.2:80"));
    EXPECT_EQ(found[0].internal, internalPort());
    EXPECT_EQ(found[0].transport, net::Transport::Udp);
    EXPECT_EQ(flows.to(net::Transport::Udp, net::Endpoint::parse("[2001:db8:1::1]:41000")).size(),
              1U);
}

TEST(PortFlows, IgnoresPortsOutsideTheRange) {
    PortFlows flows = seeded();
    flows.seen(flow(1, "192.0.2.2:5000", net::Endpoint::parse("203.0.113.1:22")));
    EXPECT_EQ(flows.size(), 0U);
}

// conntrack ids tell an entry from its successor on the same tuple.
TEST(PortFlows, ADestroyOfAnOlderEntryKeepsItsSuccessor) {
    PortFlows flows = seeded();
    flows.seen(flow(1, "192.0.2.2:5000"));
    flows.seen(flow(2, "192.0.2.2:5000"));
    flows.gone(flow(1, "192.0.2.2:5000"));
    ASSERT_EQ(flows.to(net::Transport::Udp, internalPort()).size(), 1U);
    flows.gone(flow(2, "192.0.2.2:5000"));
    EXPECT_TRUE(flows.to(net::Transport::Udp, internalPort()).empty());
}

TEST(PortFlows, OverflowMakesItIncompleteUntilTheNextDump) {
    PortFlows flows = seeded(2);
    flows.seen(flow(1, "192.0.2.2:5000"));
    flows.seen(flow(2, "192.0.2.2:5001"));
    EXPECT_TRUE(flows.complete());
    flows.seen(flow(2, "192.0.2.2:5001")); // an update of a known entry costs nothing
    EXPECT_TRUE(flows.complete());
    flows.seen(flow(3, "192.0.2.2:5002"));
    EXPECT_FALSE(flows.complete());
    EXPECT_EQ(flows.size(), 2U);
    flows.reset({flow(3, "192.0.2.2:5002")});
    EXPECT_TRUE(flows.complete());
    EXPECT_EQ(flows.size(), 1U);
}

} // namespace
} // namespace fwx::redirect
