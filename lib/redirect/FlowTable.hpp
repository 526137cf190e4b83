#pragma once

#include "redirect/Flow.hpp"
#include "redirect/Redirect.hpp"

#include <optional>
#include <vector>

namespace fwx::redirect {

// Existing connections (conntrack entries) as far as redirects care.
// Real: conntrack::FlowTable. Fake: tests/unit/fakes/FakeFlowTable.
class FlowTable {
public:
    virtual ~FlowTable() = default;
    // Deletes exactly these entries, by original tuple and conntrack id (an entry re-created
    // on the same tuple since is left alone). Entries already gone are no error. Returns how
    // many were deleted; throws fwx::Error(Failed) when ctnetlink refuses a delete.
    virtual unsigned remove(const std::vector<Flow>& flows) = 0;
    // The entry as conntrack holds it now (its counters, its state), by original tuple, and
    // by conntrack id unless flow.id is 0: one lookup, no dump. None if it is gone. Throws
    // fwx::Error(Failed) when ctnetlink refuses otherwise.
    virtual std::optional<Flow> lookup(const Flow& flow) = 0;
    // The slow way, for when fwxd does not know the entries on the group's ports (its index
    // of them overflowed, see PortFlows): walks the conntrack table of the group's family and
    // deletes every entry whose original destination is the internal endpoint of a redirect
    // in group (same transport) unless it already follows that redirect (its reply comes
    // from the redirect's target). Returns how many entries were deleted.
    virtual unsigned removeStaleFlows(const RedirectGroup& group) = 0;
};

} // namespace fwx::redirect
