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
    untrack(FlowKey::of(flow)); // a re-created entry on the same tuple replaces the old one
    ++live_[action];
    return flows_.emplace(FlowKey::of(flow), TrackedFlow{action, flow, std::nullopt}).first->second;
}

void ConnectionTracker::untrack(const FlowKey& key) {
    const auto it = flows_.find(key);
    if (it == flows_.end()) {
        return;
    }
    const auto count = live_.find(it->second.action);
    if (--count->second == 0) {
        live_.erase(count);
    }
    flows_.erase(it);
}

void ConnectionTracker::forgetAction(ActionId action) {
    if (live_.erase(action) > 0) {
        std::erase_if(flows_, [&](const auto& entry) { return entry.second.action == action; });
    }
    std::erase_if(routes_, [&](const auto& entry) { return entry.second == action; });
}

std::size_t ConnectionTracker::liveFlowsOf(ActionId action) const {
    const auto it = live_.find(action);
    return it == live_.end() ? 0 : it->second;
}

} // namespace fwx::redirect
