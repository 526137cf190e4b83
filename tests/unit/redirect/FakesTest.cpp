// The fakes are test infrastructure other tests rely on; these pin down their behaviour.
#include "error/Error.hpp"
#include "fakes/FakeFlowTable.hpp"
#include "fakes/FakeHost.hpp"
#include "fakes/FakeNftBackend.hpp"
#include "net/Address.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fwx::fakes {
namespace {

using ::testing::ElementsAre;

redirect::RedirectGroup group(redirect::GroupId id) {
    redirect::RedirectGroup g;
    g.id = id;
    redirect::Redirect r;
    r.internal = net::Endpoint::parse("203.0.113.1:" + std::to_string(41000 + id));
    g.redirects.push_back(r);
    return g;
}

TEST(FakeHost, AnswersWhatItWasTold) {
    FakeHost host;
    const net::Address a = net::Address::parse("10.0.0.1");
    EXPECT_FALSE(host.isLocalAddress(a));
    host.addLocalAddress(a);
    EXPECT_TRUE(host.isLocalAddress(a));
    host.bind(a, net::Transport::Tcp, 22);
    host.bind(net::Address::any(net::Family::V4), net::Transport::Tcp, 21);
    host.bind(net::Address::any(net::Family::V6), net::Transport::Tcp, 20);
    host.bind(a, net::Transport::Udp, 53);
    EXPECT_THAT(host.boundPorts(a, net::Transport::Tcp, redirect::PortRange(1, 65535)),
                ElementsAre(21, 22));
    host.unbind(a, net::Transport::Tcp, 22);
    EXPECT_THAT(host.boundPorts(a, net::Transport::Tcp, redirect::PortRange(1, 65535)),
                ElementsAre(21));
    host.failNextCall(Error(ErrorCode::Failed, "boom"));
    EXPECT_THROW(host.boundPorts(a, net::Transport::Tcp, redirect::PortRange(1, 65535)), Error);
    EXPECT_TRUE(host.isLocalAddress(a)); // only the next call fails
    EXPECT_EQ(host.isLocalAddressCalls(), 3U);
    EXPECT_EQ(host.boundPortsCalls(), 3U);
}

TEST(FakeNftBackend, TracksActiveGroupsAndFailsOnce) {
    FakeNftBackend nft;
    nft.addGroup(group(1));
    nft.addGroup(group(2));
    nft.failNextCall(Error(ErrorCode::Failed, "EPERM"));
    EXPECT_TRUE(nft.removeRedirects(group(1).redirects).error);
    EXPECT_EQ(nft.active().size(), 2U);
    EXPECT_EQ(nft.removeRedirects(group(1).redirects).removed, 1U);
    nft.failNextAdd(Error(ErrorCode::Failed, "ENOMEM"));
    EXPECT_FALSE(nft.removeRedirects(group(2).redirects).error); // not an add: goes through
    EXPECT_THROW(nft.addGroup(group(3)), Error);
    EXPECT_EQ(nft.calls(), 6U);
    EXPECT_EQ(nft.added().size(), 2U);
    EXPECT_EQ(nft.removed().size(), 2U);
    EXPECT_TRUE(nft.active().empty());
}

TEST(FakeFlowTable, RecordsAndReports) {
    FakeFlowTable flows;
    EXPECT_EQ(flows.removeStaleFlows(group(4)), 0U);
    redirect::Flow flow;
    flow.id = 9;
    EXPECT_EQ(flows.remove({flow, flow}), 2U);
    flows.failNextCall(Error(ErrorCode::Failed, "ctnetlink", 1));
    EXPECT_THROW(flows.remove({flow}), Error);
    ASSERT_EQ(flows.cleaned().size(), 1U);
    EXPECT_EQ(flows.cleaned().front().id, 4U);
    ASSERT_EQ(flows.removed().size(), 2U);
    EXPECT_EQ(flows.removed().front().id, 9U);
}

} // namespace
} // namespace fwx::fakes
