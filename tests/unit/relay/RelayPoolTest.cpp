// RelayPool: the domain's user-mode redirects on real relays over loopback. What the relays
// report arrives as conntrack-like FlowEvents; a group binds all its ports or none.
#include "relay/RelayPool.hpp"

#include "RelayFixture.hpp"
#include "StreamPeer.hpp"
#include "TcpServer.hpp"
#include "relay/Sockets.hpp"

#include <cerrno>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/socket.h>

namespace fwx::relay::test {
namespace {

class RecordingEvents final : public redirect::RelayEvents, public HandOverSink {
public:
    void onRelayed(const redirect::FlowEvent& event) noexcept override { events.push_back(event); }
    void onRelayError(const Error& error) noexcept override { errors.emplace_back(error.what()); }
    void onHandedOver(const redirect::Flow& flow, UniqueFd client,
                      UniqueFd target) noexcept override {
        handedOver.push_back(flow);
        sockets.push_back(std::move(client));
        sockets.push_back(std::move(target));
    }

    std::vector<redirect::FlowEvent> events;
    std::vector<std::string> errors;
    std::vector<redirect::Flow> handedOver;
    std::vector<UniqueFd> sockets;
};

// A TCP socket bound to a free port of address, listening when asked: it holds the port.
UniqueFd boundTcp(const net::Address& address, bool listening) {
    UniqueFd socket = outboundSocket(net::Transport::Tcp, address.family(), std::nullopt);
    sockaddr_storage storage{};
    const socklen_t length = net::Endpoint{address, 0}.toSockaddr(storage);
    if (::bind(socket.get(), reinterpret_cast<const sockaddr*>(&storage), length) < 0 ||
        (listening && ::listen(socket.get(), 1) < 0)) {
        throwSystemError("binding a test socket", errno);
    }
    return socket;
}

// A port of address that nothing holds now.
std::uint16_t freePort(const net::Address& address) {
    return localEndpoint(boundTcp(address, false).get()).port;
}

class RelayPoolTest : public RelayFixture {
protected:
    void SetUp() override {
        RelayFixture::SetUp();
        target = std::make_unique<TcpServer>(loop, anyPortOf(local()));
    }

    redirect::Redirect redirectOn(std::uint16_t port) const {
        redirect::Redirect r;
        r.internal = {local(), port};
        r.target = target->endpoint();
        r.allowedSource = net::Prefix::any(GetParam());
        r.userMode = true;
        return r;
    }

    RecordingEvents events;
    RelayPool pool{loop, events, events, std::chrono::seconds(120)};
    std::unique_ptr<TcpServer> target;
};

TEST_P(RelayPoolTest, AConnectionIsReportedAsConntrackWouldReportIt) {
    redirect::RedirectGroup group;
    group.redirects = {redirectOn(freePort(local()))};
    pool.addGroup(group);
    ASSERT_EQ(pool.relays(), 1U);

    auto client = StreamPeer::connect(loop, group.redirects[0].internal);
    ASSERT_NE(client, nullptr);
    ASSERT_TRUE(loop.runUntil([&] { return target->count() == 1; }));
    client->send("hello");
    client->shutdownWhenSent();
    target->peer(0).send("bye");
    target->peer(0).shutdownWhenSent();
    ASSERT_TRUE(loop.runUntil([&] {
        return !events.events.empty() &&
               events.events.back().type == redirect::FlowEventType::Destroy;
    }));

    ASSERT_EQ(events.events.size(), 3U);
    EXPECT_EQ(events.events[0].type, redirect::FlowEventType::New);
    EXPECT_FALSE(events.events[0].flow.established);
    EXPECT_EQ(events.events[1].type, redirect::FlowEventType::Update);
    EXPECT_TRUE(events.events[1].flow.established);
    const redirect::Flow& last = events.events[2].flow;
    EXPECT_EQ(last.client, client->local());
    EXPECT_EQ(last.internal, group.redirects[0].internal);
    EXPECT_EQ(last.target, target->endpoint());
    EXPECT_EQ(last.source, target->peer(0).remote());
    EXPECT_EQ(last.fromClient, (redirect::FlowCounters{0, 5}));
    EXPECT_EQ(last.fromTarget, (redirect::FlowCounters{0, 3}));
    EXPECT_EQ(last.endReason, "finished");
    EXPECT_TRUE(events.errors.empty());
}

TEST_P(RelayPoolTest, AGroupBindsEveryPortOrNone) {
    const UniqueFd taken = boundTcp(local(), true);
    const std::uint16_t free = freePort(local());
    redirect::RedirectGroup group;
    group.redirects = {redirectOn(free), redirectOn(localEndpoint(taken.get()).port)};
    EXPECT_THROW(pool.addGroup(group), Error);
    EXPECT_EQ(pool.relays(), 0U);
    redirect::RedirectGroup again;
    again.redirects = {redirectOn(free)};
    EXPECT_NO_THROW(pool.addGroup(again)) << "the first port was given back";
}

TEST_P(RelayPoolTest, RemoveCutsLiveConnectionsAndReportsThem) {
    redirect::RedirectGroup group;
    group.redirects = {redirectOn(freePort(local()))};
    pool.addGroup(group);
    auto client = StreamPeer::connect(loop, group.redirects[0].internal);
    ASSERT_NE(client, nullptr);
    ASSERT_TRUE(loop.runUntil([&] { return events.events.size() == 2; }));

    pool.remove(group.redirects[0]);
    EXPECT_EQ(pool.relays(), 0U);
    ASSERT_EQ(events.events.size(), 3U);
    EXPECT_EQ(events.events[2].type, redirect::FlowEventType::Destroy);
    ASSERT_TRUE(loop.runUntil([&] { return client->error() != 0; }));
    EXPECT_EQ(client->error(), ECONNRESET);
    EXPECT_EQ(StreamPeer::connect(loop, group.redirects[0].internal), nullptr)
        << "nothing listens there any more";
}

TEST_P(RelayPoolTest, ADataFiltersRedirectHandsItsConnectionsOver) {
    redirect::Redirect r = redirectOn(freePort(local()));
    r.handOver = true;
    redirect::RedirectGroup group;
    group.redirects = {r};
    pool.addGroup(group);
    auto client = StreamPeer::connect(loop, r.internal);
    ASSERT_NE(client, nullptr);
    ASSERT_TRUE(loop.runUntil([&] { return !events.handedOver.empty(); }));
    EXPECT_TRUE(events.handedOver[0].established);
    EXPECT_EQ(events.handedOver[0].client, client->local());
    EXPECT_EQ(events.sockets.size(), 2U);
    ASSERT_EQ(events.events.size(), 1U) << "New when admitted; nothing more from the relay";
    EXPECT_EQ(events.events[0].type, redirect::FlowEventType::New);
}

INSTANTIATE_TEST_SUITE_P(Families, RelayPoolTest, testing::Values(net::Family::V4, net::Family::V6),
                         familyName);

} // namespace
} // namespace fwx::relay::test
