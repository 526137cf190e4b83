// fwx::test::EventRecorder: what a conntrack::Listener reported, and waiting for more.
#pragma once

#include "conntrack/Listener.hpp"
#include "lab/Deadline.hpp"
#include "redirect/Flow.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace fwx::test {

class EventRecorder final : public conntrack::Listener::Handler {
public:
    explicit EventRecorder(conntrack::Listener& listener)
        : listener_(listener) {}

    void onFlow(const redirect::FlowEvent& event) override { flows.push_back(event); }
    void onExpectation(const redirect::ExpectationEvent& event) override {
        expectations.push_back(event);
    }
    void onResync(const redirect::ConntrackSnapshot& snapshot) override {
        snapshots.push_back(snapshot);
    }

    // Receives from both sockets until predicate holds over what was recorded, polling
    // them in between; fails with everything recorded so far if it does not within timeout.
    ::testing::AssertionResult waitFor(const std::function<bool()>& predicate, milliseconds timeout,
                                       std::string_view what);
    // Receives what is queued on both sockets now, without waiting.
    void receiveQueued();

    // The flow events of the flow from client to internal, in order.
    std::vector<redirect::FlowEvent> flowEventsOf(const net::Endpoint& client,
                                                  const net::Endpoint& internal) const;

    // One line per event, for failure messages and the record of what the kernel sends.
    std::string describe() const;

    std::vector<redirect::FlowEvent> flows;
    std::vector<redirect::ExpectationEvent> expectations;
    std::vector<redirect::ConntrackSnapshot> snapshots;

private:
    conntrack::Listener& listener_;
};

std::string describe(const redirect::FlowEvent& event);
std::string describe(const redirect::ExpectationEvent& event);

} // namespace fwx::test
