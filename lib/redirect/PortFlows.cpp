#include "redirect/PortFlows.hpp"

namespace fwx::redirect {

PortFlows::PortFlows(PortRange range, std::size_t capacity)
    : range_(range)
    , capacity_(capacity) {
}

void PortFlows::seen(const Flow& flow) {
    if (!inRange(flow)) {
        return;
    }
    const Key key{flow.transport, flow.internal, flow.client};
    const Entry entry{flow.id, flow.target, flow.source};
    if (const auto it = entries_.find(key); it != entries_.end()) {
        it->second = entry; // an UPDATE, or an entry re-created on the same tuple
        return;
    }
    if (entries_.size() >= capacity_) {
        complete_ = false;
        return;
    }
    entries_.emplace(key, entry);
}

// A DESTROY of an older entry on the same tuple must not remove its successor.
void PortFlows::gone(const Flow& flow) {
    const auto it = entries_.find({flow.transport, flow.internal, flow.client});
    if (it != entries_.end() && it->second.id == flow.id) {
        entries_.erase(it);
    }
}

void PortFlows::reset(const std::vector<Flow>& flows) {
    entries_.clear();
    complete_ = true;
    for (const Flow& flow : flows) {
        seen(flow);
    }
}

std::vector<Flow> PortFlows::to(net::Transport transport, const net::Endpoint& internal) const {
    std::vector<Flow> found;
    for (auto it = entries_.lower_bound({transport, internal, {}});
         it != entries_.end() && it->first.transport == transport && it->first.internal == internal;
         ++it) {
        Flow flow;
        flow.id = it->second.id;
        flow.transport = transport;
        flow.client = it->first.client;
        flow.internal = internal;
        flow.target = it->second.target;
        flow.source = it->second.source;
        found.push_back(flow);
    }
    return found;
}

} // namespace fwx::redirect
