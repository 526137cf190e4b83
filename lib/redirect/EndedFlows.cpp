#include "redirect/EndedFlows.hpp"

namespace fwx::redirect {

void EndedFlows::add(const Flow& flow) {
    const Entry entry{FlowKey::of(flow), flow.id};
    if (!entries_.insert(entry).second) {
        return;
    }
    order_.push_back(entry);
    if (order_.size() > capacity_) {
        entries_.erase(order_.front());
        order_.pop_front();
    }
}

bool EndedFlows::take(const Flow& flow) {
    return entries_.erase({FlowKey::of(flow), flow.id}) > 0;
}

} // namespace fwx::redirect
