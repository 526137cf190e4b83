#pragma once

#include "redirect/Redirect.hpp"

namespace fwx::redirect {

// Existing connections (conntrack entries) as far as redirects care.
// Real: conntrack::FlowTable. Fake: tests/unit/fakes/FakeFlowTable.
class FlowTable {
public:
    virtual ~FlowTable() = default;
    // Deletes every conntrack entry whose original destination is the internal endpoint
    // of a redirect in group (same transport) unless it already follows that redirect
    // (its reply comes from the redirect's target). Without this, a UDP client that keeps
    // its source port keeps reaching the previous target of a re-used port.
    // Returns how many entries were deleted.
    virtual unsigned removeStaleFlows(const RedirectGroup& group) = 0;
    // True if conntrack holds a connection that went through redirect: original
    // destination its internal endpoint, replies from its target. Tells a permission that
    // was used from one that lapsed unused.
    virtual bool hasConnection(const Redirect& redirect) = 0;
};

} // namespace fwx::redirect
