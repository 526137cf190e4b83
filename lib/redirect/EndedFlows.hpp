#pragma once

#include "redirect/ConnectionTracker.hpp"
#include "redirect/Flow.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <set>
#include <utility>

namespace fwx::redirect {

// UDP connections fwxd reported closed before conntrack's DESTROY came: a resynchronisation
// found them gone while the kernel still held their DESTROY (it redelivers one the event
// socket had no room for). Their DESTROY is then not a connection never seen. Bounded: past
// capacity the oldest are forgotten.
class EndedFlows {
public:
    explicit EndedFlows(std::size_t capacity)
        : capacity_(capacity) {}

    void add(const Flow& flow);
    // True, once, if flow was added (and not forgotten since).
    bool take(const Flow& flow);

private:
    using Entry = std::pair<FlowKey, std::uint32_t>; // tuple and conntrack id

    std::size_t capacity_;
    std::set<Entry> entries_;
    std::deque<Entry> order_; // may still hold taken entries; never more than capacity_
};

} // namespace fwx::redirect
