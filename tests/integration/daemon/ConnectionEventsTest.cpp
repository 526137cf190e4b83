// Established and Closed: real connections through redirects of the real fwxd, reported
// from conntrack events to the session owner, with the addresses each side saw and the
// kernel's counters; and a listener overflowed on purpose that still loses nothing.
#include "ConntrackFixture.hpp"
#include "Target.hpp"
#include "lab/FamilyParam.hpp"
#include "lab/Socket.hpp"
#include "lab/UdpServer.hpp"
#include "lab/WaitUntil.hpp"
#include "net/Transport.hpp"

#include <chrono>
#include <optional>
#include <tuple>

#include <gtest/gtest.h>
#include <sys/socket.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;
using net::Transport;

using Param = FamilyTransport;

class ConnectionEvents : public ConntrackFixture, public ::testing::WithParamInterface<Param> {
protected:
    Family family() const { return std::get<0>(GetParam()); }
    Transport transport() const { return std::get<1>(GetParam()); }
    Client fromClient() const { return Client{&lab.client(), {}, {}}; }

    Redirected open(std::uint32_t flags, bool snat = true) {
        RedirectRequest request;
        request.protocol = std::string(net::toString(transport()));
        request.flags = flags;
        request.proxyExternalAddress = snat ? Lab::proxyAddress(family()) : std::string();
        request.options = {{"Context", sdbus::Variant(std::string("call-42"))}};
        return client().redirect(
            client().openSession(),
            {ConnectAddress(server.address().address(), server.address().port())}, request);
    }
    static SocketAddress internalOf(const Redirected& redirected) {
        return {redirected.internalAddress, redirected.basePort};
    }

    Target server{lab, family(), transport()};
};

// TCP's Closed comes when the connection ends (conntrack's TIME_WAIT), not when TIME_WAIT
// is over: the test puts TIME_WAIT back to its default of 120 s, which the fixture
// shortens for the other tests. UDP's comes when its entry expires.
TEST_P(ConnectionEvents, EstablishedAndClosedCarryTheConnection) {
    writeSysctl("net/netfilter/nf_conntrack_tcp_timeout_time_wait", "120");
    const Redirected redirected = open(0);
    const sdbus::ObjectPath& action = redirected.actions.at(0);
    std::optional<SocketAddress> seenAs;
    ASSERT_TRUE(server.reachedVia(internalOf(redirected), fromClient(), &seenAs));
    ASSERT_TRUE(client().waitForSignal(action, "Established", std::nullopt, 10s));
    if (transport() == Transport::Tcp) {
        ASSERT_TRUE(client().waitForSignal(action, "Closed", std::nullopt, 10s))
            << "a TCP connection is closed when both sides closed";
    } else {
        ASSERT_TRUE(
            reapUntil([&] { return client().received(action, "Closed") > 0; }, 30s, "Closed"));
    }

    const auto established = client().signals().of(action, "Established");
    const auto closed = client().signals().of(action, "Closed");
    ASSERT_EQ(established.size(), 1U) << client().signals().describe();
    ASSERT_EQ(closed.size(), 1U);
    for (const ReceivedSignal& signal : {established[0], closed[0]}) {
        EXPECT_EQ(signal.destination, client().uniqueName());
        EXPECT_EQ(field<std::string>(signal, "ClientAddress"), Lab::clientAddress(family()));
        EXPECT_NE(field<std::uint16_t>(signal, "ClientPort"), 0);
        EXPECT_EQ(field<std::string>(signal, "TargetAddress"), server.address().address());
        EXPECT_EQ(field<std::uint16_t>(signal, "TargetPort"), server.address().port());
        EXPECT_EQ(field<std::string>(signal, "SourceAddress"), seenAs->address());
        EXPECT_EQ(field<std::uint16_t>(signal, "SourcePort"), seenAs->port());
        EXPECT_EQ(field<std::string>(signal, "Context"), "call-42");
    }
    EXPECT_NE(field<std::uint64_t>(established[0], "ConnectionId"), 0U);
    EXPECT_EQ(field<std::uint64_t>(closed[0], "ConnectionId"),
              field<std::uint64_t>(established[0], "ConnectionId"));
    EXPECT_EQ(seenAs->address(), Lab::proxyAddress(family()));
    for (const char* counter :
         {"BytesFromClient", "PacketsFromClient", "BytesFromTarget", "PacketsFromTarget"}) {
        EXPECT_GT(field<std::uint64_t>(closed[0], counter), 0U) << counter;
    }
    EXPECT_GT(field<std::uint64_t>(closed[0], "Duration"), 0U);

    // Used up and nothing lives through it: it finished, and left the bus.
    EXPECT_TRUE(client().waitForSignal(action, "Finished", "consumed,1", 5s));
    EXPECT_TRUE(objectGone(client().connection(), action, "org.fwxd.Action1"));
    EXPECT_EQ(kernelElements(family() == Family::V4 ? "ports_v4" : "ports_v6"), 0U)
        << "a used-up permission whose connection closed keeps no port";
}

// Without SNAT the target sees the client itself, and SourceAddress/SourcePort say so: the
// client's own address and port (dbus/org.fwxd.Action1.xml).
TEST_P(ConnectionEvents, WithoutSnatTheSourceIsTheClientItself) {
    const Redirected redirected = open(0, false);
    const sdbus::ObjectPath& action = redirected.actions.at(0);
    std::optional<SocketAddress> seenAs;
    ASSERT_TRUE(server.reachedVia(internalOf(redirected), fromClient(), &seenAs));
    ASSERT_TRUE(client().waitForSignal(action, "Established", std::nullopt, 10s));
    const auto established = client().signals().of(action, "Established");
    ASSERT_EQ(established.size(), 1U);
    const ReceivedSignal& signal = established[0];
    EXPECT_EQ(seenAs->address(), Lab::clientAddress(family()));
    EXPECT_EQ(field<std::string>(signal, "SourceAddress"), seenAs->address());
    EXPECT_EQ(field<std::uint16_t>(signal, "SourcePort"), seenAs->port());
    EXPECT_EQ(field<std::string>(signal, "SourceAddress"),
              field<std::string>(signal, "ClientAddress"));
    EXPECT_EQ(field<std::uint16_t>(signal, "SourcePort"),
              field<std::uint16_t>(signal, "ClientPort"));
}

TEST_P(ConnectionEvents, AllowMultipleReportsEachConnection) {
    const Redirected redirected = open(AllowMultiple);
    const sdbus::ObjectPath& action = redirected.actions.at(0);
    ASSERT_TRUE(server.reachedVia(internalOf(redirected), fromClient()));
    ASSERT_TRUE(server.reachedVia(internalOf(redirected), fromClient()));
    ActionProxy& proxy = client().action(action);
    EXPECT_TRUE(waitUntil([&] { return proxy.Connections() == 2U; }, 10s, "two connections"));
    EXPECT_TRUE(reapUntil([&] { return client().received(action, "Closed") == 2U; }, 30s,
                          "two Closed signals"));
    EXPECT_EQ(client().received(action, "Established"), 2U);
    EXPECT_EQ(proxy.State(), "established");
    EXPECT_TRUE(client().waitForSignal(action, "PropertiesChanged", "State=established", 1s));
}

INSTANTIATE_TEST_SUITE_P(All, ConnectionEvents, familiesAndTransports(), FamilyTransportName());

// A receive buffer of one page cannot hold a burst of events: the kernel reports ENOBUFS,
// fwxd resynchronises from a dump, and every connection is still reported exactly once.
class EventOverflow : public ConntrackFixture {
protected:
    EventOverflow() {
        settings.eventBufferBytes = 4096;
        settings.eventFilter = false;
    }
};

TEST_F(EventOverflow, ResyncLosesNoConnectionAndReportsNoneTwice) {
    constexpr int Flows = 300;
    UdpServer server(&lab.server(), Lab::serverAddress(Family::V4));
    RedirectRequest request;
    request.protocol = "udp";
    request.flags = AllowMultiple;
    const Redirected redirected = client().redirect(
        client().openSession(),
        {ConnectAddress(server.address().address(), server.address().port())}, request);
    const sdbus::ObjectPath& action = redirected.actions.at(0);
    const SocketAddress internal(redirected.internalAddress, redirected.basePort);

    // Bursts of flows, each from a socket of its own, that the server answers; a burst
    // fits the server's socket buffer.
    constexpr int Burst = 100;
    std::vector<UniqueFd> sockets;
    for (int first = 0; first < Flows; first += Burst) {
        for (int i = first; i < first + Burst; ++i) {
            sockets.push_back(openSocket(&lab.client(), Family::V4, SOCK_DGRAM));
            ASSERT_EQ(::sendto(sockets.back().get(), "x\n", 2, 0, internal.get(), internal.size()),
                      2);
        }
        for (int i = first; i < first + Burst; ++i) {
            const auto datagram = server.receive(5000ms);
            ASSERT_TRUE(datagram) << "datagram " << i << " did not arrive";
            server.reply(datagram->peer, "y\n");
        }
    }
    for (const UniqueFd& socket : sockets) {
        char reply[16];
        timeval wait{5, 0};
        ::setsockopt(socket.get(), SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
        ASSERT_GT(::recv(socket.get(), reply, sizeof reply, 0), 0) << "no echo";
    }

    ActionProxy& proxy = client().action(action);
    EXPECT_TRUE(
        waitUntil([&] { return proxy.Connections() == Flows; }, 30s, "every flow counted once"));
    EXPECT_GE(client().firewall().EventResyncs(), 1U) << "the buffer never overflowed";
    EXPECT_TRUE(reapUntil([&] { return client().received(action, "Closed") == Flows; }, 60s,
                          "every flow closed"));
    client().sync();
    EXPECT_EQ(client().received(action, "Established"), std::size_t{Flows});
    EXPECT_EQ(client().received(action, "Closed"), std::size_t{Flows});
    EXPECT_EQ(proxy.Connections(), std::uint32_t{Flows});
}

} // namespace
} // namespace fwx::test
