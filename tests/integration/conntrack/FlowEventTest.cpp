// conntrack::Listener: the events of real TCP and UDP flows through the lab's firewall,
// and its destination filter.
#include "EventRecorder.hpp"
#include "Tracking.hpp"
#include "conntrack/Listener.hpp"
#include "lab/Conntrack.hpp"
#include "lab/FamilyParam.hpp"
#include "lab/Lab.hpp"
#include "lab/TcpConnect.hpp"
#include "lab/TcpServer.hpp"
#include "lab/UdpClient.hpp"
#include "lab/UdpServer.hpp"
#include "lab/WaitUntil.hpp"

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;
using redirect::FlowEvent;
using redirect::FlowEventType;

class FlowEvents : public ::testing::TestWithParam<Family> {
protected:
    void SetUp() override { trackConnections(); }

    Family family() const { return GetParam(); }

    Lab lab;
    conntrack::Listener listener{conntrack::ListenerOptions{}};
    EventRecorder recorder{listener};
};

bool isEstablished(const FlowEvent& event) {
    return event.flow.established;
}

TEST_P(FlowEvents, TcpConnectionIsNewThenEstablishedThenDestroyedWithCounters) {
    TcpServer server(&lab.server(), Lab::serverAddress(family()));
    const TcpOutcome outcome = tcpConnect(&lab.client(), server.address());
    ASSERT_TRUE(outcome.connected()) << outcome;
    const net::Endpoint client = endpointOf(*outcome.local);
    const net::Endpoint internal = endpointOf(server.address());

    // conntrack(8) witnesses the entry leaving the table after its 1 s of TIME_WAIT. Its
    // dump also reaps the expired entry, which the kernel's garbage collector may
    // otherwise leave for up to a minute.
    const std::string familyName = family() == Family::V4 ? "ipv4" : "ipv6";
    const std::string port = std::to_string(server.port());
    ASSERT_TRUE(waitUntil(
        [&] {
            return conntrackList({"-f", familyName, "-p", "tcp", "--dport", port}).empty();
        },
        5s, "the closed connection leaving conntrack"));
    ASSERT_TRUE(recorder.waitFor(
        [&] {
            const auto events = recorder.flowEventsOf(client, internal);
            return !events.empty() && events.back().type == FlowEventType::Destroy;
        },
        3s, "DESTROY of the closed TCP connection"));
    const auto events = recorder.flowEventsOf(client, internal);
    SCOPED_TRACE(recorder.describe());
    EXPECT_EQ(events.front().type, FlowEventType::New);
    EXPECT_FALSE(events.front().flow.established);
    const auto established = std::find_if(events.begin(), events.end(), isEstablished);
    ASSERT_NE(established, events.end());
    EXPECT_EQ(established->type, FlowEventType::Update);
    for (const FlowEvent& event : events) {
        EXPECT_EQ(event.flow.id, events.front().flow.id);
        EXPECT_EQ(event.flow.transport, net::Transport::Tcp);
        EXPECT_EQ(event.flow.target, internal) << "no NAT: the server answers itself";
        EXPECT_EQ(event.flow.source, client);
        EXPECT_FALSE(event.flow.master);
    }
    const redirect::Flow& closed = events.back().flow;
    EXPECT_TRUE(closed.established);
    EXPECT_GE(closed.fromClient.packets, 4U) << "SYN, ACK, data, FIN at least";
    EXPECT_GT(closed.fromClient.bytes, closed.fromClient.packets * 40);
    EXPECT_GE(closed.fromTarget.packets, 3U) << "SYN-ACK, echo, FIN at least";
    EXPECT_GT(closed.fromTarget.bytes, 0U);
}

TEST_P(FlowEvents, UdpFlowIsEstablishedByTheReply) {
    UdpServer server(&lab.server(), Lab::serverAddress(family()));
    UdpClient client(&lab.client(), family());
    client.send(server.address(), "ping");
    const auto request = server.receive(3s);
    ASSERT_TRUE(request);
    const net::Endpoint from = endpointOf(client.localAddress());
    const net::Endpoint to = endpointOf(server.address());
    ASSERT_TRUE(recorder.waitFor([&] { return !recorder.flowEventsOf(from, to).empty(); }, 3s,
                                 "NEW of the UDP flow"));
    EXPECT_EQ(recorder.flowEventsOf(from, to).front().type, FlowEventType::New);
    EXPECT_FALSE(recorder.flowEventsOf(from, to).front().flow.established);

    server.reply(request->peer, "pong");
    ASSERT_TRUE(client.receive(3s));
    ASSERT_TRUE(recorder.waitFor(
        [&] {
            const auto events = recorder.flowEventsOf(from, to);
            return std::any_of(events.begin(), events.end(), isEstablished);
        },
        3s, "the UDP flow established"));
    const auto events = recorder.flowEventsOf(from, to);
    const auto established = std::find_if(events.begin(), events.end(), isEstablished);
    EXPECT_EQ(established->type, FlowEventType::Update) << recorder.describe();
    EXPECT_EQ(established->flow.transport, net::Transport::Udp);
    EXPECT_EQ(established->flow.target, to);
}

// The firewall's proxy address is listed, the server's is not. The unlisted datagram is
// sent first: once the listed one's event is read, the other's would have been too.
TEST_P(FlowEvents, OnlyListedDestinationsAreReported) {
    const net::Address listed = net::Address::parse(Lab::proxyAddress(family()));
    conntrack::Listener filtered(conntrack::ListenerOptions{{listed}, 16 * 1024 * 1024});
    EventRecorder filteredRecorder(filtered);
    UdpServer onFirewall(nullptr, Lab::proxyAddress(family()));
    UdpServer onServer(&lab.server(), Lab::serverAddress(family()));

    UdpClient(&lab.client(), family()).send(onServer.address(), "not listed");
    ASSERT_TRUE(onServer.receive(3s));
    UdpClient(&lab.client(), family()).send(onFirewall.address(), "listed");
    ASSERT_TRUE(onFirewall.receive(3s));

    const auto reaches = [](const EventRecorder& r, const net::Address& address) {
        return std::any_of(r.flows.begin(), r.flows.end(), [&](const FlowEvent& event) {
            return event.flow.internal.address == address;
        });
    };
    const net::Address unlisted = net::Address::parse(Lab::serverAddress(family()));
    ASSERT_TRUE(filteredRecorder.waitFor([&] { return reaches(filteredRecorder, listed); }, 3s,
                                         "the event of the listed destination"));
    // The unfiltered listener proves that the unlisted flow did make an event.
    ASSERT_TRUE(recorder.waitFor([&] { return reaches(recorder, unlisted); }, 3s,
                                 "the unlisted flow's event, unfiltered"));
    EXPECT_FALSE(reaches(filteredRecorder, unlisted)) << filteredRecorder.describe();
}

INSTANTIATE_TEST_SUITE_P(Families, FlowEvents, bothFamilies(), FamilyParamName());

} // namespace
} // namespace fwx::test
