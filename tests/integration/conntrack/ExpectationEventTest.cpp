// conntrack::Listener: expectation events, and the master tuple of the connection that
// consumes an expectation. The master carries the irc helper (IPv4 only).
#include "EventRecorder.hpp"
#include "KernelExpectation.hpp"
#include "Tracking.hpp"
#include "conntrack/Listener.hpp"
#include "lab/Lab.hpp"
#include "lab/TcpConnect.hpp"
#include "lab/TcpServer.hpp"

#include <algorithm>

#include <gtest/gtest.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;
using redirect::ExpectationEvent;
using redirect::ExpectationEventType;

class ExpectationEvents : public ::testing::Test {
protected:
    void SetUp() override {
        trackConnections();
        attachIrcHelper();
    }

    // Events of type about the expectation from client to destination.
    std::vector<ExpectationEvent> eventsOf(ExpectationEventType type,
                                           const net::Endpoint& destination) const {
        std::vector<ExpectationEvent> found;
        std::copy_if(recorder.expectations.begin(), recorder.expectations.end(),
                     std::back_inserter(found), [&](const ExpectationEvent& event) {
                         return event.type == type && event.expectation.destination == destination;
                     });
        return found;
    }

    Lab lab;
    conntrack::Listener listener{conntrack::ListenerOptions{}};
    EventRecorder recorder{listener};
};

void expectSameConnection(const redirect::PrimaryConnection& actual,
                          const redirect::PrimaryConnection& expected) {
    EXPECT_EQ(actual.transport, expected.transport);
    EXPECT_EQ(actual.client, expected.client);
    EXPECT_EQ(actual.server, expected.server);
}

TEST_F(ExpectationEvents, ExpectationIsNewThenConsumedByItsRelatedConnection) {
    TcpServer primaryServer(&lab.server(), Lab::serverAddress(Family::V4), ircPort, Reply::None);
    TcpServer secondaryServer(&lab.server(), Lab::serverAddress(Family::V4));
    // No newline: the server keeps reading, so the primary stays open.
    TcpConnectOptions open;
    open.expectEcho = false;
    open.keepOpen = true;
    const TcpOutcome primary = tcpConnect(&lab.client(), primaryServer.address(), "hi", 3s, open);
    ASSERT_TRUE(primary.connected()) << primary;
    const redirect::PrimaryConnection master{net::Transport::Tcp, endpointOf(*primary.local),
                                             endpointOf(primaryServer.address())};
    const net::Address client = net::Address::parse(Lab::clientAddress(Family::V4));
    const net::Endpoint destination = endpointOf(secondaryServer.address());

    createExpectation(master, client, destination);
    ASSERT_TRUE(recorder.waitFor(
        [&] { return !eventsOf(ExpectationEventType::New, destination).empty(); }, 3s, "EXP NEW"));
    const redirect::Expectation created =
        eventsOf(ExpectationEventType::New, destination).front().expectation;
    expectSameConnection(created.master, master);
    EXPECT_EQ(created.transport, net::Transport::Tcp);
    EXPECT_EQ(created.source, net::Prefix::host(client));
    EXPECT_EQ(created.helper, "irc");
    EXPECT_FALSE(created.permanent);
    EXPECT_GT(created.timeout.count(), 0);

    const TcpOutcome secondary = tcpConnect(&lab.client(), secondaryServer.address());
    ASSERT_TRUE(secondary.connected()) << secondary;
    const net::Endpoint secondaryClient = endpointOf(*secondary.local);
    ASSERT_TRUE(recorder.waitFor(
        [&] {
            return !eventsOf(ExpectationEventType::Destroy, destination).empty() &&
                   !recorder.flowEventsOf(secondaryClient, destination).empty();
        },
        3s, "EXP DESTROY and the related connection's NEW"));
    SCOPED_TRACE(recorder.describe());
    const redirect::Expectation consumed =
        eventsOf(ExpectationEventType::Destroy, destination).front().expectation;
    EXPECT_TRUE(consumed.sameAs(created));
    EXPECT_GT(consumed.timeout.count(), 0) << "consumed, not expired";
    const redirect::FlowEvent related = recorder.flowEventsOf(secondaryClient, destination).front();
    EXPECT_EQ(related.type, redirect::FlowEventType::New);
    ASSERT_TRUE(related.flow.master);
    expectSameConnection(*related.flow.master, master);
}

} // namespace
} // namespace fwx::test
