// conntrack::Listener after an overrun: a burst the test does not read while it happens
// overflows a tiny receive buffer, and the next receive hands over a snapshot instead.
#include "EventRecorder.hpp"
#include "Tracking.hpp"
#include "conntrack/Listener.hpp"
#include "lab/Conntrack.hpp"
#include "lab/FamilyParam.hpp"
#include "lab/Lab.hpp"
#include "lab/Socket.hpp"
#include "lab/UdpClient.hpp"
#include "lab/UdpServer.hpp"
#include "lab/WaitUntil.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;

// SO_RCVBUFFORCE doubles it; the kernel's floor (SOCK_MIN_RCVBUF) is about 2.3 KiB.
constexpr int tinyBuffer = 4096;
constexpr std::uint16_t firstPort = 20000;
constexpr int burst = 300;

class Resync : public ::testing::TestWithParam<Family> {
protected:
    void SetUp() override { trackConnections(); }

    Family family() const { return GetParam(); }
    std::string server() const { return Lab::serverAddress(family()); }

    // One datagram from the client to each of burst ports of address: as many UDP flows
    // (the server's port unreachable errors do not end them).
    // A datagram the kernel cannot take yet (EAGAIN, ENOBUFS: the first ones of an IPv6
    // burst wait for neighbour discovery) is sent again once the socket is writable.
    void sendBurst(const std::string& address) const {
        const UniqueFd socket = openSocket(&lab.client(), family(), SOCK_DGRAM);
        for (int i = 0; i < burst; ++i) {
            const SocketAddress to(address, static_cast<std::uint16_t>(firstPort + i));
            for (int attempt = 0;; ++attempt) {
                if (::sendto(socket.get(), "x", 1, 0, to.get(), to.size()) >= 0) {
                    break;
                }
                if ((errno != EAGAIN && errno != ENOBUFS) || attempt == 50) {
                    throw std::system_error(errno, std::generic_category(), "sendto");
                }
                pollfd writable{socket.get(), POLLOUT, 0};
                ::poll(&writable, 1, 100);
            }
        }
    }

    // conntrack(8) as the witness that every flow of the burst exists.
    ::testing::AssertionResult burstTracked(const std::string& address) const {
        const std::string familyName = family() == Family::V4 ? "ipv4" : "ipv6";
        return waitUntil(
            [&] {
                return conntrackList({"-f", familyName, "-p", "udp", "-d", address}).size() >=
                       static_cast<std::size_t>(burst);
            },
            5s, "the burst's conntrack entries");
    }

    Lab lab;
};

TEST_P(Resync, OverrunIsFollowedByASnapshotOfTheLiveFlows) {
    conntrack::Listener listener(conntrack::ListenerOptions{
        {net::Address::parse(server()), net::Address::parse(Lab::proxyAddress(family()))},
        tinyBuffer});
    EventRecorder recorder(listener);
    sendBurst(server());
    ASSERT_TRUE(burstTracked(server()));

    recorder.receiveQueued();
    EXPECT_EQ(listener.resyncs(), 1U);
    ASSERT_EQ(recorder.snapshots.size(), 1U) << recorder.describe();
    std::set<std::uint16_t> ports;
    for (const redirect::Flow& flow : recorder.snapshots.front().flows) {
        EXPECT_EQ(flow.internal.address, net::Address::parse(server()));
        EXPECT_EQ(flow.transport, net::Transport::Udp);
        ports.insert(flow.internal.port);
    }
    EXPECT_EQ(ports.size(), static_cast<std::size_t>(burst));
    EXPECT_EQ(*ports.begin(), firstPort);
    EXPECT_EQ(*ports.rbegin(), firstPort + burst - 1);
}

// A handler that throws on an event loses the events after it in the same receive: the
// listener counts that as an overrun, and the next receive hands over a snapshot. The
// buffer is large here, so the kernel itself loses nothing.
TEST_P(Resync, AHandlerThatThrowsIsResynchronisedByTheNextReceive) {
    conntrack::Listener listener(conntrack::ListenerOptions{
        {net::Address::parse(server()), net::Address::parse(Lab::proxyAddress(family()))},
        16 << 20});
    struct Failing final : conntrack::Listener::Handler {
        void onFlow(const redirect::FlowEvent& /*event*/) override {
            if (!failed) {
                failed = true;
                throw std::runtime_error("injected failure");
            }
        }
        void onExpectation(const redirect::ExpectationEvent& /*event*/) override {}
        void onResync(const redirect::ConntrackSnapshot& snapshot) override {
            flowsInSnapshot = snapshot.flows.size();
            ++resyncs;
        }
        bool failed = false;
        std::size_t flowsInSnapshot = 0;
        int resyncs = 0;
    } handler;
    sendBurst(server());
    ASSERT_TRUE(burstTracked(server()));

    EXPECT_THROW(listener.receiveFlows(handler), std::runtime_error);
    EXPECT_EQ(handler.resyncs, 0);
    listener.receiveFlows(handler);
    EXPECT_EQ(handler.resyncs, 1) << "the events lost after the failure were never made up for";
    EXPECT_GE(handler.flowsInSnapshot, static_cast<std::size_t>(burst));
    EXPECT_EQ(listener.resyncs(), 1U);
}

// The kernel filters before it queues: a burst to an unlisted destination takes no
// buffer space, so it causes no overrun, and the listed flow's event still arrives. IPv4
// only: with libnetfilter_conntrack 1.0.9 the kernel filters IPv6 by transport only.
using KernelFilter = Resync;

TEST_P(KernelFilter, FilteredEventsCauseNoOverrun) {
    const std::string listed = Lab::proxyAddress(family());
    conntrack::Listener listener(
        conntrack::ListenerOptions{{net::Address::parse(listed)}, tinyBuffer});
    EventRecorder recorder(listener);
    sendBurst(server());
    ASSERT_TRUE(burstTracked(server()));

    UdpServer onFirewall(nullptr, listed);
    UdpClient(&lab.client(), family()).send(onFirewall.address(), "listed");
    ASSERT_TRUE(onFirewall.receive(3s));
    ASSERT_TRUE(recorder.waitFor([&] { return !recorder.flows.empty(); }, 3s,
                                 "the event of the listed flow"));
    EXPECT_EQ(listener.resyncs(), 0U);
    EXPECT_TRUE(recorder.snapshots.empty());
    for (const redirect::FlowEvent& event : recorder.flows) {
        EXPECT_EQ(event.flow.internal.address, net::Address::parse(listed));
    }
}

INSTANTIATE_TEST_SUITE_P(Families, Resync, bothFamilies(), FamilyParamName());
INSTANTIATE_TEST_SUITE_P(Families, KernelFilter, ::testing::Values(Family::V4), FamilyParamName());

} // namespace
} // namespace fwx::test
