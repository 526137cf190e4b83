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

TrackedFlow& ConnectionTracker::track(ActionId action, ConnectionId id, const Flow& flow) {
    untrack(FlowKey::of(flow)); // a re-created entry on the same tuple replaces the old one
    byAction_[action].insert(FlowKey::of(flow));
    return flows_.emplace(FlowKey::of(flow), TrackedFlow{action, id, flow, std::nullopt})
        .first->second;
}

void ConnectionTracker::untrack(const FlowKey& key) {
    const auto it = flows_.find(key);
    if (it == flows_.end()) {
        return;
    }
    const auto owner = byAction_.find(it->second.action);
    owner->second.erase(key);
    if (owner->second.empty()) {
        byAction_.erase(owner);
    }
    flows_.erase(it);
}

void ConnectionTracker::forgetAction(ActionId action, net::Transport transport,
                                     const net::Endpoint& internal) {
    if (const auto owner = byAction_.find(action); owner != byAction_.end()) {
        for (const FlowKey& key : owner->second) {
            flows_.erase(key);
        }
        byAction_.erase(owner);
    }
    if (routeOf(transport, internal) == action) {
        unroute(transport, internal);
    }
}

std::size_t ConnectionTracker::liveFlowsOf(ActionId action) const {
    const auto it = byAction_.find(action);
    return it == byAction_.end() ? 0 : it->second.size();
}

} // namespace fwx::redirect
