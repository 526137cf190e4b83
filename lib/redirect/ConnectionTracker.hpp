#pragma once

#include "net/Endpoint.hpp"
#include "net/Transport.hpp"
#include "redirect/Action.hpp"
#include "redirect/Flow.hpp"

#include <chrono>
#include <compare>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace fwx::redirect {

// Identifies a live connection: its original tuple. conntrack holds one entry per tuple.
struct FlowKey {
    net::Transport transport = net::Transport::Tcp;
    net::Endpoint client;
    net::Endpoint internal;

    static FlowKey of(const Flow& flow) { return {flow.transport, flow.client, flow.internal}; }
    auto operator<=>(const FlowKey&) const = default;
};

// A connection that went through an action, as far as conntrack events have told.
struct TrackedFlow {
    ActionId action = 0;
    ConnectionId id = 0;
    Flow flow; // the latest the kernel reported
    // When it was reported established; none: not (yet).
    std::optional<std::chrono::steady_clock::time_point> establishedAt;
};

// Which action holds each allocated port, and which connections went through which action:
// what conntrack events are matched against. Pure bookkeeping, no decisions.
class ConnectionTracker {
public:
    // The action whose redirect holds internal for transport from now on.
    void route(net::Transport transport, const net::Endpoint& internal, ActionId action);
    void unroute(net::Transport transport, const net::Endpoint& internal);
    std::optional<ActionId> routeOf(net::Transport transport, const net::Endpoint& internal) const;
    // How many ports are routed to an action: the redirects programmed for actions.
    std::size_t routes() const noexcept { return routes_.size(); }

    // The tracked connection with the flow's tuple and conntrack id; nullptr if none (a
    // connection re-created on the same tuple is a different one).
    TrackedFlow* find(const Flow& flow);
    TrackedFlow& track(ActionId action, ConnectionId id, const Flow& flow);
    void untrack(const FlowKey& key);
    // Forgets every connection of the action (it left the registry), and its route if
    // internal is still routed to it.
    void forgetAction(ActionId action, net::Transport transport, const net::Endpoint& internal);
    std::size_t liveFlowsOf(ActionId action) const;

    const std::map<FlowKey, TrackedFlow>& flows() const noexcept { return flows_; }

private:
    std::map<std::pair<net::Transport, net::Endpoint>, ActionId> routes_;
    std::map<FlowKey, TrackedFlow> flows_;
    // The same connections by action: how many are live is asked on every DESTROY, and
    // forgetting an action must cost its own connections, not everyone's.
    std::map<ActionId, std::set<FlowKey>> byAction_;
};

} // namespace fwx::redirect
