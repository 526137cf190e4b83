// Test helper: a SessionRegistry on fakes, and the conntrack events of connections through
// its redirects, for the tests of the registry's event half.
#pragma once

#include "error/Error.hpp"
#include "fakes/FakeClock.hpp"
#include "fakes/FakeExpectationBackend.hpp"
#include "fakes/FakeFlowTable.hpp"
#include "fakes/FakeHost.hpp"
#include "fakes/FakeNftBackend.hpp"
#include "fakes/FakeRelayBackend.hpp"
#include "redirect/SessionRegistry.hpp"

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace fwx::redirect::test {

class SessionRegistryFixture : public ::testing::Test {
protected:
    const net::Address internal = net::Address::parse("203.0.113.1");
    const Owner alice{":1.7", 1000};
    // The client of the primary, and of every flow unless a test says otherwise.
    const net::Endpoint client = net::Endpoint::parse("192.0.2.2:50000");
    const PrimaryConnection primary{net::Transport::Tcp, net::Endpoint::parse("192.0.2.2:5000"),
                                    net::Endpoint::parse("203.0.113.1:6667")};

    SessionRegistryFixture() {
        host.addLocalAddress(internal);
        portFlows.reset({}); // as the daemon's first dump does
        ValidatorLimits validatorLimits;
        validatorLimits.internalAddresses = {internal};
        service = std::make_unique<Service>(RequestValidator(validatorLimits, host), ports, nft,
                                            relays, flows, portFlows);
        SessionLimits limits;
        limits.maxActionsPerClient = 16;
        registry = std::make_unique<SessionRegistry>(*service, flows, portFlows, expectations,
                                                     protocols, clock, limits);
    }

    static Request targets(std::initializer_list<const char*> endpoints) {
        Request request;
        for (const char* endpoint : endpoints) {
            request.targets.push_back(net::Endpoint::parse(endpoint));
        }
        return request;
    }
    static Request withFlags(Request request, std::uint32_t more) {
        request.flags |= more;
        return request;
    }
    static Request withTimeout(Request request, std::chrono::microseconds timeout) {
        request.flags |= flags::Timeout;
        request.timeout = timeout;
        return request;
    }

    SessionId openSession() { return registry->openSession(alice, {}).id; }
    // A session on the primary connection, which conntrack tracks with helper ("" = none).
    SessionId openSessionOnPrimary(const std::string& helper) {
        expectations.addPrimary(primary, helper);
        return registry->openSession(alice, {primary, ""}).id;
    }
    // The only action of a one-target redirect.
    ActionId redirectOne(SessionId session, Request request) {
        return registry->redirect(session, std::move(request), "").actions.front();
    }
    // The action while it is on the bus; a test that reads one that finished fails.
    const Action& action(ActionId id) const {
        const Action* found = registry->action(id);
        if (found == nullptr) {
            throw std::logic_error("action " + std::to_string(id) + " has finished");
        }
        return *found;
    }
    bool finished(ActionId id) const { return registry->action(id) == nullptr; }
    bool reserved(std::uint16_t port) const {
        return ports.isReserved(internal, net::Transport::Tcp, port);
    }

    // A connection from the client to internal:port whose replies come from target.
    Flow flowTo(std::uint16_t port, const char* target = "198.51.100.2:80",
                std::uint32_t id = 1) const {
        Flow flow;
        flow.id = id;
        flow.client = client;
        flow.internal = {internal, port};
        flow.target = net::Endpoint::parse(target);
        flow.source = client;
        return flow;
    }
    static Flow established(Flow flow) {
        flow.established = true;
        return flow;
    }
    // A connection the kernel created from the expectation on the primary.
    Flow expectedFlowTo(std::uint16_t port, const char* target = "198.51.100.2:80") const {
        Flow flow = flowTo(port, target);
        flow.master = primary;
        return flow;
    }

    Notices onNew(const Flow& flow) { return registry->onFlow({FlowEventType::New, flow}); }
    Notices onUpdate(const Flow& flow) { return registry->onFlow({FlowEventType::Update, flow}); }
    Notices onDestroy(const Flow& flow) { return registry->onFlow({FlowEventType::Destroy, flow}); }
    // The kernel's DESTROY of the expectation on internal:port, with time left.
    Notices onExpectationDestroyed(std::uint16_t port, std::chrono::seconds left) {
        for (Expectation expectation : expectations.expectations()) {
            if (expectation.destination.port == port) {
                expectation.timeout = left;
                return registry->onExpectation({ExpectationEventType::Destroy, expectation});
            }
        }
        ADD_FAILURE() << "no expectation on port " << port;
        return {};
    }

    fakes::FakeHost host;
    fakes::FakeNftBackend nft;
    fakes::FakeRelayBackend relays;
    fakes::FakeFlowTable flows;
    fakes::FakeExpectationBackend expectations;
    fakes::FakeClock clock;
    ProtocolRegistry protocols{nft};
    PortAllocator ports{PortRange(41000, 41009), host, [](std::uint32_t) {
                            return 0U;
                        }};
    PortFlows portFlows{PortRange(41000, 41009), 1024};
    std::unique_ptr<Service> service;
    std::unique_ptr<SessionRegistry> registry;
};

} // namespace fwx::redirect::test
