#include "relay/TcpRelay.hpp"

#include "RelayFixture.hpp"
#include "StreamPeer.hpp"
#include "TcpServer.hpp"
#include "TestData.hpp"
#include "relay/Pipe.hpp"

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <memory>
#include <string>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

namespace fwx::relay::test {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t MiB = std::size_t{1} << 20;

class TcpRelayTest : public RelayFixture {
protected:
    RelayOptions options() const { return optionsTo(net::Transport::Tcp, target->endpoint()); }

    std::unique_ptr<StreamPeer> connect(const Relay& relay,
                                        const std::optional<net::Address>& from = {}) {
        auto client = StreamPeer::connect(loop, relay.internal(), from);
        EXPECT_NE(client, nullptr);
        return client;
    }

    // Until the relay has that many connections up to the target.
    bool establish(std::size_t connections) {
        return loop.runUntil([&] {
            return handler.established.size() >= connections && target->count() >= connections;
        });
    }

    void SetUp() override {
        RelayFixture::SetUp();
        if (!IsSkipped()) {
            target = std::make_unique<TcpServer>(loop, anyPortOf(local()));
        }
    }

    std::unique_ptr<TcpServer> target;
};

// A TCP socket bound to a port of address without listening: SYNs to it get a reset.
UniqueFd closedPort(const net::Address& address) {
    UniqueFd socket = outboundSocket(net::Transport::Tcp, address.family(), std::nullopt);
    sockaddr_storage bound{};
    const socklen_t length = net::Endpoint{address, 0}.toSockaddr(bound);
    if (::bind(socket.get(), reinterpret_cast<const sockaddr*>(&bound), length) < 0) {
        throwSystemError("binding a test socket", errno);
    }
    return socket;
}

TEST_P(TcpRelayTest, RelaysBytesBothWaysIntact) {
    const std::string up = patternBytes(8 * MiB, 1);
    const std::string down = patternBytes(8 * MiB, 2);
    target->onAccept = [&](StreamPeer& peer) {
        peer.send(down);
        peer.shutdownWhenSent();
    };
    const auto relay = open(options());
    const auto client = connect(*relay);
    client->send(up);
    client->shutdownWhenSent();

    ASSERT_TRUE(loop.runUntil([&] { return !handler.closed.empty() && client->ended(); }));
    ASSERT_EQ(target->count(), 1U);
    EXPECT_EQ(target->peer(0).received().size(), up.size());
    EXPECT_EQ(checksum(target->peer(0).received()), checksum(up));
    EXPECT_EQ(client->received().size(), down.size());
    EXPECT_EQ(checksum(client->received()), checksum(down));

    ASSERT_EQ(handler.admitted.size(), 1U);
    ASSERT_EQ(handler.established.size(), 1U);
    EXPECT_EQ(handler.admitted.at(0).client, client->local());
    EXPECT_FALSE(handler.admitted.at(0).established.has_value());
    const ClosedRecord& closed = handler.closed.at(0);
    EXPECT_EQ(closed.reason, CloseReason::Finished);
    EXPECT_EQ(closed.connection.bytes, (ByteCounters{up.size(), down.size()}));
    EXPECT_EQ(closed.connection.client, client->local());
    EXPECT_EQ(closed.connection.internal, relay->internal());
    EXPECT_EQ(closed.connection.target, target->endpoint());
    EXPECT_EQ(closed.connection.source, target->peer(0).remote());
    EXPECT_TRUE(closed.connection.established.has_value());
    EXPECT_LE(closed.connection.started, *closed.connection.established);
    EXPECT_TRUE(relay->connections().empty());
}

TEST_P(TcpRelayTest, SlowReaderDoesNotMakeTheRelayBuffer) {
    const std::string up = patternBytes(64 * MiB, 3);
    target->onAccept = [](StreamPeer& peer) {
        peer.pauseReading(true);
    };
    const auto relay = open(options());
    const auto client = connect(*relay);
    client->send(up);
    ASSERT_TRUE(establish(1));
    loop.runFor(1500ms);

    // What the relay holds is one pipe's worth at most: the rest waits in the client,
    // whose sends TCP flow control stopped.
    const std::size_t pipeCapacity = Pipe::open().capacity();
    EXPECT_LE(relay->buffered(), pipeCapacity);
    EXPECT_GT(client->unsent(), 0U);
    EXPECT_TRUE(target->peer(0).received().empty());

    target->peer(0).pauseReading(false);
    ASSERT_TRUE(loop.runUntil([&] { return target->peer(0).received().size() == up.size(); }));
    EXPECT_EQ(checksum(target->peer(0).received()), checksum(up));
}

TEST_P(TcpRelayTest, HalfCloseLetsTheOtherDirectionFinish) {
    const auto relay = open(options());
    const auto client = connect(*relay);
    client->send("request");
    client->shutdownWhenSent();
    ASSERT_TRUE(loop.runUntil([&] { return target->count() == 1 && target->peer(0).ended(); }));
    EXPECT_EQ(target->peer(0).received(), "request");
    EXPECT_TRUE(handler.closed.empty());

    const std::string reply = patternBytes(MiB, 4);
    target->peer(0).send(reply);
    target->peer(0).shutdownWhenSent();
    ASSERT_TRUE(loop.runUntil([&] { return client->ended() && !handler.closed.empty(); }));
    EXPECT_EQ(checksum(client->received()), checksum(reply));
    EXPECT_EQ(client->error(), 0);
    EXPECT_EQ(handler.closed.at(0).reason, CloseReason::Finished);
    EXPECT_EQ(handler.closed.at(0).connection.bytes, (ByteCounters{7, MiB}));
}

TEST_P(TcpRelayTest, TargetResetReachesTheClient) {
    const auto relay = open(options());
    const auto client = connect(*relay);
    client->send("hello");
    ASSERT_TRUE(loop.runUntil(
        [&] { return target->count() == 1 && target->peer(0).received() == "hello"; }));
    target->peer(0).reset();
    ASSERT_TRUE(loop.runUntil([&] { return client->error() != 0 && !handler.closed.empty(); }));
    EXPECT_EQ(client->error(), ECONNRESET);
    EXPECT_EQ(handler.closed.at(0).reason, CloseReason::Reset);
    EXPECT_EQ(handler.closed.at(0).errnum, ECONNRESET);
    EXPECT_EQ(handler.closed.at(0).connection.bytes.fromClient, 5U);
}

TEST_P(TcpRelayTest, ClientResetReachesTheTarget) {
    const auto relay = open(options());
    const auto client = connect(*relay);
    ASSERT_TRUE(establish(1));
    client->reset();
    ASSERT_TRUE(loop.runUntil([&] { return target->peer(0).error() != 0; }));
    EXPECT_EQ(target->peer(0).error(), ECONNRESET);
    ASSERT_EQ(handler.closed.size(), 1U);
    EXPECT_EQ(handler.closed.at(0).reason, CloseReason::Reset);
}

TEST_P(TcpRelayTest, SingleUseResetsASecondClient) {
    const auto relay = open(options());
    const auto first = connect(*relay);
    ASSERT_TRUE(establish(1));
    const auto second = connect(*relay);
    ASSERT_TRUE(loop.runUntil([&] { return second->error() != 0 || second->ended(); }));
    EXPECT_EQ(second->error(), ECONNRESET);
    EXPECT_EQ(relay->refused(), 1U);
    EXPECT_EQ(target->count(), 1U);

    first->send("still here");
    ASSERT_TRUE(loop.runUntil([&] { return target->peer(0).received() == "still here"; }));
    EXPECT_EQ(relay->connections().size(), 1U);
}

TEST_P(TcpRelayTest, AllowMultipleAdmitsTwoClients) {
    RelayOptions multiple = options();
    multiple.allowMultiple = true;
    const auto relay = open(multiple);
    const auto first = connect(*relay);
    const auto second = connect(*relay);
    ASSERT_TRUE(establish(2));
    first->send("one");
    second->send("two");
    ASSERT_TRUE(loop.runUntil([&] {
        return target->peer(0).received().size() == 3 && target->peer(1).received().size() == 3;
    }));
    EXPECT_NE(target->peer(0).received(), target->peer(1).received());
    EXPECT_EQ(relay->refused(), 0U);
    EXPECT_EQ(relay->connections().size(), 2U);
}

TEST_P(TcpRelayTest, ClientOutsideTheAllowedSourceIsReset) {
    RelayOptions restricted = options();
    restricted.allowedSource =
        net::Prefix::parse(GetParam() == net::Family::V4 ? "192.0.2.0/24" : "2001:db8::/32");
    const auto relay = open(restricted);
    const auto client = connect(*relay);
    ASSERT_TRUE(loop.runUntil([&] { return client->error() != 0; }));
    EXPECT_EQ(client->error(), ECONNRESET);
    EXPECT_EQ(relay->refused(), 1U);
    EXPECT_EQ(target->count(), 0U);
    EXPECT_TRUE(handler.closed.empty());
}

TEST_P(TcpRelayTest, StopAdmittingKeepsTheLiveConnection) {
    RelayOptions multiple = options();
    multiple.allowMultiple = true;
    const auto relay = open(multiple);
    const auto client = connect(*relay);
    ASSERT_TRUE(establish(1));

    relay->stopAdmitting();
    EXPECT_FALSE(relay->admitting());
    int errnum = 0;
    EXPECT_EQ(StreamPeer::connect(loop, relay->internal(), std::nullopt, &errnum), nullptr);
    EXPECT_EQ(errnum, ECONNREFUSED);

    client->send("after");
    target->peer(0).send("reply");
    ASSERT_TRUE(loop.runUntil(
        [&] { return target->peer(0).received() == "after" && client->received() == "reply"; }));
    EXPECT_TRUE(handler.closed.empty());
}

TEST_P(TcpRelayTest, StopResetsEveryConnectionAndReportsItCancelled) {
    RelayOptions multiple = options();
    multiple.allowMultiple = true;
    const auto relay = open(multiple);
    const auto first = connect(*relay);
    const auto second = connect(*relay);
    ASSERT_TRUE(establish(2));

    relay->stop();
    EXPECT_FALSE(relay->admitting());
    EXPECT_TRUE(relay->connections().empty());
    ASSERT_EQ(handler.closed.size(), 2U);
    EXPECT_EQ(handler.closed.at(0).reason, CloseReason::Cancelled);
    EXPECT_EQ(handler.closed.at(1).reason, CloseReason::Cancelled);
    ASSERT_TRUE(loop.runUntil([&] {
        return first->error() != 0 && second->error() != 0 && target->peer(0).error() != 0 &&
               target->peer(1).error() != 0;
    }));
    EXPECT_EQ(first->error(), ECONNRESET);
    EXPECT_EQ(target->peer(1).error(), ECONNRESET);
}

TEST_P(TcpRelayTest, StopFromTheClosedCallbackIsSafe) {
    RelayOptions multiple = options();
    multiple.allowMultiple = true;
    const auto relay = open(multiple);
    const auto first = connect(*relay);
    const auto second = connect(*relay);
    ASSERT_TRUE(establish(2));
    handler.afterClosed = [&] {
        relay->stop();
    };
    first->reset();
    ASSERT_TRUE(loop.runUntil([&] { return handler.closed.size() == 2; }));
    EXPECT_EQ(handler.closed.at(0).reason, CloseReason::Reset);
    EXPECT_EQ(handler.closed.at(1).reason, CloseReason::Cancelled);
    loop.runFor(50ms);
}

TEST_P(TcpRelayTest, ProxyExternalAddressIsTheTargetsPeer) {
    RelayOptions proxied = options();
    proxied.proxyExternal = otherLoopback(GetParam());
    const auto relay = open(proxied);
    const auto client = connect(*relay);
    ASSERT_TRUE(establish(1));
    EXPECT_EQ(target->peer(0).remote().address, *proxied.proxyExternal);
    EXPECT_EQ(handler.established.at(0).source, target->peer(0).remote());
    EXPECT_NE(handler.established.at(0).source.port, 0);
}

TEST_P(TcpRelayTest, RefusedConnectIsReportedAndResetsTheClient) {
    const UniqueFd unused = closedPort(local());
    const net::Endpoint nowhere = localEndpoint(unused.get());
    const auto relay = open(optionsTo(net::Transport::Tcp, nowhere));
    const auto client = connect(*relay);
    ASSERT_TRUE(loop.runUntil([&] { return !handler.closed.empty() && client->error() != 0; }));
    EXPECT_EQ(handler.closed.at(0).reason, CloseReason::Refused);
    EXPECT_EQ(handler.closed.at(0).errnum, ECONNREFUSED);
    EXPECT_FALSE(handler.closed.at(0).connection.established.has_value());
    EXPECT_TRUE(handler.established.empty());
    ASSERT_EQ(handler.admitted.size(), 1U); // the permission was spent all the same
    EXPECT_EQ(handler.admitted.at(0).id, handler.closed.at(0).connection.id);
    EXPECT_EQ(client->error(), ECONNRESET);
}

TEST_P(TcpRelayTest, DestroyingTheRelayResetsLiveConnections) {
    auto relay = open(options());
    const auto client = connect(*relay);
    ASSERT_TRUE(establish(1));
    relay.reset();
    ASSERT_TRUE(
        loop.runUntil([&] { return client->error() != 0 && target->peer(0).error() != 0; }));
    EXPECT_EQ(client->error(), ECONNRESET);
    EXPECT_TRUE(handler.closed.empty());
}

// A data filter's relay: once the target answered, both sockets are the handler's, blocking,
// and talk to their peers; the relay keeps nothing and reports no Established or Closed.
TEST_P(TcpRelayTest, HandOverGivesBothConnectedSocketsAway) {
    RelayOptions handOver = options();
    handOver.handOver = true;
    const auto relay = open(handOver);
    const auto client = connect(*relay);
    ASSERT_TRUE(loop.runUntil([&] { return !handler.handedOver.empty() && target->count() == 1; }));
    const HandedOverRecord& given = handler.handedOver.at(0);
    EXPECT_EQ(given.connection.client, client->local());
    EXPECT_EQ(given.connection.source, target->peer(0).remote());
    EXPECT_TRUE(given.connection.established.has_value());
    EXPECT_EQ(::fcntl(given.client.get(), F_GETFL) & O_NONBLOCK, 0);
    ASSERT_EQ(::send(given.target.get(), "up", 2, MSG_NOSIGNAL), 2);
    ASSERT_EQ(::send(given.client.get(), "down", 4, MSG_NOSIGNAL), 4);
    ASSERT_TRUE(loop.runUntil(
        [&] { return target->peer(0).received() == "up" && client->received() == "down"; }));
    EXPECT_TRUE(relay->connections().empty());
    EXPECT_TRUE(handler.established.empty());
    EXPECT_TRUE(handler.closed.empty());
    EXPECT_EQ(handler.admitted.size(), 1U);
}

INSTANTIATE_TEST_SUITE_P(Families, TcpRelayTest, testing::Values(net::Family::V4, net::Family::V6),
                         familyName);

TEST(TcpRelaySigpipeTest, RefusesToStartWhileSigpipeWouldKill) {
    EpollReactor loop;
    RecordingHandler handler;
    RelayOptions options;
    options.internal = net::Endpoint::parse("127.0.0.1:0", true);
    options.target = net::Endpoint::parse("127.0.0.1:9");
    const auto previous = std::signal(SIGPIPE, SIG_DFL);
    try {
        TcpRelay relay(loop, options, handler);
        ADD_FAILURE() << "started with SIGPIPE at its default";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::NotSupported);
    }
    static_cast<void>(std::signal(SIGPIPE, previous));
}

} // namespace
} // namespace fwx::relay::test
