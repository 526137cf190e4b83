#include "relay/UdpRelay.hpp"

#include "DatagramPeer.hpp"
#include "RelayFixture.hpp"

#include <cerrno>
#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>

namespace fwx::relay::test {
namespace {

using namespace std::chrono_literals;

class UdpRelayTest : public RelayFixture {
protected:
    void SetUp() override {
        RelayFixture::SetUp();
        if (!IsSkipped()) {
            target = std::make_unique<DatagramPeer>(loop, anyPortOf(local()), true);
        }
    }

    RelayOptions options() const { return optionsTo(net::Transport::Udp, target->endpoint()); }

    std::unique_ptr<DatagramPeer> client(const std::optional<net::Address>& at = {}) {
        return std::make_unique<DatagramPeer>(loop, anyPortOf(at.value_or(local())));
    }

    std::unique_ptr<DatagramPeer> target; // echoes
};

TEST_P(UdpRelayTest, RelaysDatagramsBothWays) {
    const auto relay = open(options());
    const auto sender = client();
    for (const char* payload : {"a", "bb", "ccc"}) {
        sender->sendTo(relay->internal(), payload);
    }
    ASSERT_TRUE(loop.runUntil([&] { return sender->received().size() == 3; }));
    EXPECT_EQ(sender->received().at(2).payload, "ccc");
    EXPECT_EQ(sender->received().at(0).from, relay->internal());

    ASSERT_EQ(handler.established.size(), 1U);
    const auto live = relay->connections();
    ASSERT_EQ(live.size(), 1U);
    EXPECT_EQ(live.at(0).transport, net::Transport::Udp);
    EXPECT_EQ(live.at(0).client, sender->endpoint());
    EXPECT_EQ(live.at(0).source, target->received().at(0).from);
    EXPECT_EQ(live.at(0).bytes, (ByteCounters{6, 6}));
    EXPECT_TRUE(handler.closed.empty());
}

TEST_P(UdpRelayTest, IdleTimeoutClosesTheFlowWithItsCounters) {
    RelayOptions idle = options();
    idle.udpIdleTimeout = 300ms;
    const auto relay = open(idle);
    const auto sender = client();
    sender->sendTo(relay->internal(), "ping");
    ASSERT_TRUE(loop.runUntil([&] { return sender->received().size() == 1; }));
    const auto lastReply = loop.now();

    ASSERT_TRUE(loop.runUntil([&] { return !handler.closed.empty(); }));
    EXPECT_GE(loop.now() - lastReply, 250ms);
    const ClosedRecord& closed = handler.closed.at(0);
    EXPECT_EQ(closed.reason, CloseReason::IdleTimeout);
    EXPECT_EQ(closed.connection.bytes, (ByteCounters{4, 4}));
    EXPECT_TRUE(relay->connections().empty());
}

TEST_P(UdpRelayTest, ActivityKeepsTheFlowAlive) {
    RelayOptions idle = options();
    idle.udpIdleTimeout = 300ms;
    const auto relay = open(idle);
    const auto sender = client();
    for (int i = 0; i < 6; ++i) {
        sender->sendTo(relay->internal(), "tick");
        loop.runFor(100ms);
    }
    EXPECT_TRUE(handler.closed.empty());
    EXPECT_EQ(relay->connections().size(), 1U);
}

TEST_P(UdpRelayTest, SingleUseServesOneClientFlow) {
    const auto relay = open(options());
    const auto first = client();
    const auto second = client();
    first->sendTo(relay->internal(), "first");
    ASSERT_TRUE(loop.runUntil([&] { return first->received().size() == 1; }));
    second->sendTo(relay->internal(), "second");
    loop.runFor(200ms);
    EXPECT_TRUE(second->received().empty());
    EXPECT_EQ(target->received().size(), 1U);
    EXPECT_EQ(relay->refused(), 1U);
    EXPECT_EQ(relay->connections().size(), 1U);
}

TEST_P(UdpRelayTest, AllowMultipleGivesEachClientItsOwnFlow) {
    RelayOptions multiple = options();
    multiple.allowMultiple = true;
    const auto relay = open(multiple);
    const auto first = client();
    const auto second = client();
    first->sendTo(relay->internal(), "first");
    second->sendTo(relay->internal(), "second");
    ASSERT_TRUE(loop.runUntil(
        [&] { return first->received().size() == 1 && second->received().size() == 1; }));
    EXPECT_EQ(first->received().at(0).payload, "first");
    EXPECT_EQ(second->received().at(0).payload, "second");
    EXPECT_NE(target->received().at(0).from, target->received().at(1).from);
    EXPECT_EQ(relay->connections().size(), 2U);
}

TEST_P(UdpRelayTest, ProxyExternalAddressIsTheTargetsPeer) {
    RelayOptions proxied = options();
    proxied.proxyExternal = otherLoopback(GetParam());
    const auto relay = open(proxied);
    const auto sender = client();
    sender->sendTo(relay->internal(), "x");
    ASSERT_TRUE(loop.runUntil([&] { return sender->received().size() == 1; }));
    EXPECT_EQ(target->received().at(0).from.address, *proxied.proxyExternal);
}

TEST_P(UdpRelayTest, UnreachableTargetIsReportedRefused) {
    net::Endpoint nowhere;
    {
        const DatagramPeer gone(loop, anyPortOf(local()));
        nowhere = gone.endpoint();
    }
    const auto relay = open(optionsTo(net::Transport::Udp, nowhere));
    const auto sender = client();
    sender->sendTo(relay->internal(), "anyone?");
    ASSERT_TRUE(loop.runUntil([&] { return !handler.closed.empty(); }));
    EXPECT_EQ(handler.closed.at(0).reason, CloseReason::Refused);
    EXPECT_EQ(handler.closed.at(0).errnum, ECONNREFUSED);
    EXPECT_EQ(handler.closed.at(0).connection.bytes.fromClient, 7U);
    EXPECT_TRUE(handler.established.empty());
    ASSERT_EQ(handler.admitted.size(), 1U);
    EXPECT_EQ(handler.admitted.at(0).client, sender->endpoint());
}

TEST_P(UdpRelayTest, StopAdmittingKeepsTheFlowAndFreesThePortAfterIt) {
    RelayOptions multiple = options();
    multiple.allowMultiple = true;
    const auto relay = open(multiple);
    const auto first = client();
    first->sendTo(relay->internal(), "1");
    ASSERT_TRUE(loop.runUntil([&] { return first->received().size() == 1; }));

    relay->stopAdmitting();
    const auto latecomer = client();
    latecomer->sendTo(relay->internal(), "late");
    first->sendTo(relay->internal(), "2");
    ASSERT_TRUE(loop.runUntil([&] { return first->received().size() == 2; }));
    loop.runFor(100ms);
    EXPECT_TRUE(latecomer->received().empty());
    EXPECT_EQ(relay->refused(), 1U);

    relay->stop();
    ASSERT_EQ(handler.closed.size(), 1U);
    EXPECT_EQ(handler.closed.at(0).reason, CloseReason::Cancelled);
    EXPECT_EQ(handler.closed.at(0).connection.bytes, (ByteCounters{2, 2}));
    // The internal port is free again.
    EXPECT_NO_THROW(DatagramPeer(loop, relay->internal()));
}

INSTANTIATE_TEST_SUITE_P(Families, UdpRelayTest, testing::Values(net::Family::V4, net::Family::V6),
                         familyName);

} // namespace
} // namespace fwx::relay::test
