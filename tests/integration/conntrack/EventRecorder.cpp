#include "EventRecorder.hpp"

#include <array>
#include <cerrno>
#include <system_error>

#include <fmt/format.h>
#include <poll.h>

namespace fwx::test {

namespace {

const char* nameOf(redirect::FlowEventType type) {
    switch (type) {
    case redirect::FlowEventType::New:
        return "NEW";
    case redirect::FlowEventType::Update:
        return "UPDATE";
    case redirect::FlowEventType::Destroy:
        return "DESTROY";
    }
    return "?";
}

std::string describe(const redirect::PrimaryConnection& primary) {
    return fmt::format("{} {} -> {}", net::toString(primary.transport), primary.client.toString(),
                       primary.server.toString());
}

// Waits for either socket to become readable, or the deadline.
void pollBoth(const conntrack::Listener& listener, const Deadline& deadline) {
    std::array<pollfd, 2> fds{
        {{listener.flowFd(), POLLIN, 0}, {listener.expectationFd(), POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), deadline.pollTimeout()) < 0 && errno != EINTR) {
        throw std::system_error(errno, std::generic_category(), "poll");
    }
}

} // namespace

std::string describe(const redirect::FlowEvent& event) {
    const redirect::Flow& flow = event.flow;
    std::string text =
        fmt::format("{} id={} {} {} -> {} reply {} -> {} established={} orig={}p/{}B reply={}p/{}B",
                    nameOf(event.type), flow.id, net::toString(flow.transport),
                    flow.client.toString(), flow.internal.toString(), flow.target.toString(),
                    flow.source.toString(), flow.established, flow.fromClient.packets,
                    flow.fromClient.bytes, flow.fromTarget.packets, flow.fromTarget.bytes);
    if (flow.master) {
        text += " master " + describe(*flow.master);
    }
    return text;
}

std::string describe(const redirect::ExpectationEvent& event) {
    const redirect::Expectation& exp = event.expectation;
    return fmt::format("EXP {} {} from {} to {} master {} timeout={}s permanent={} helper={}",
                       event.type == redirect::ExpectationEventType::New ? "NEW" : "DESTROY",
                       net::toString(exp.transport), exp.source.toString(),
                       exp.destination.toString(), describe(exp.master), exp.timeout.count(),
                       exp.permanent, exp.helper);
}

void EventRecorder::receiveQueued() {
    listener_.receiveFlows(*this);
    listener_.receiveExpectations(*this);
}

::testing::AssertionResult EventRecorder::waitFor(const std::function<bool()>& predicate,
                                                  milliseconds timeout, std::string_view what) {
    const Deadline deadline(timeout);
    for (;;) {
        receiveQueued();
        if (predicate()) {
            return ::testing::AssertionSuccess();
        }
        if (deadline.expired()) {
            return ::testing::AssertionFailure()
                   << "no " << what << " within " << timeout.count() << " ms; recorded:\n"
                   << describe();
        }
        pollBoth(listener_, deadline);
    }
}

std::vector<redirect::FlowEvent> EventRecorder::flowEventsOf(const net::Endpoint& client,
                                                             const net::Endpoint& internal) const {
    std::vector<redirect::FlowEvent> found;
    for (const redirect::FlowEvent& event : flows) {
        if (event.flow.client == client && event.flow.internal == internal) {
            found.push_back(event);
        }
    }
    return found;
}

std::string EventRecorder::describe() const {
    std::string text;
    for (const redirect::FlowEvent& event : flows) {
        text += "  " + test::describe(event) + "\n";
    }
    for (const redirect::ExpectationEvent& event : expectations) {
        text += "  " + test::describe(event) + "\n";
    }
    for (const redirect::ConntrackSnapshot& snapshot : snapshots) {
        text += fmt::format("  RESYNC {} flows, {} expectations\n", snapshot.flows.size(),
                            snapshot.expectations.size());
    }
    return text;
}

} // namespace fwx::test
