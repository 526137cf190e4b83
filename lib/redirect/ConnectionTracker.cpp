#include "redirect/ConnectionTracker.hpp"

#include <algorithm>

namespace fwx::redirect {

void ConnectionTracker::route(net::Transport transport, const net::Endpoint& internal,
                              ActionId action) {
    routes_.insert_or_assign({transport, internal}, action);
}

void ConnectionTracker::unroute(net::Transport transport, const net::Endpoint& internal) {
    routes_.erase({transport, internal});
}

std::optional<ActionId> ConnectionTracker::routeOf(net::Transport transport,
                                                   const net::Endpoint& internal) const {
    const auto it = routes_.find({transport, internal});
    if (it == routes_.end()) {
        return std::nullopt;
    }
    return it->second;
}

TrackedFlow* ConnectionTracker::find(const Flow& flow) {
    const auto it = flows_.find(FlowKey::of(flow));
    if (it == flows_.end() || it->second.flow.id != flow.id) {
        return nullptr;
    }
    return &it->second;
}

TrackedFlow& ConnectionTracker::track(ActionId action, const Flow& flow) {
    return flows_.insert_or_assign(FlowKey::of(flow), TrackedFlow{action, flow, std::nullopt})
        .first->second;
}

void ConnectionTracker::untrack(const FlowKey& key) {
    flows_.erase(key);
}

void ConnectionTracker::forgetAction(ActionId action) {
    std::erase_if(flows_, [&](const auto& entry) { return entry.second.action == action; });
    std::erase_if(routes_, [&](const auto& entry) { return entry.second == action; });
}

std::size_t ConnectionTracker::liveFlowsOf(ActionId action) const {
    return static_cast<std::size_t>(
        std::count_if(flows_.begin(), flows_.end(),
                      [&](const auto& entry) { return entry.second.action == action; }));
}

} // namespace fwx::redirect
