// Conntrack entries (from events and dumps) in the domain's terms.
#pragma once

#include "redirect/Flow.hpp"

#include <optional>

struct nf_conntrack;

namespace fwx::conntrack {

// The flow an entry describes: none unless it is TCP or UDP over IPv4 or IPv6 and carries
// both tuples. Counters are zero where the message has none (only DESTROY events and
// dumps carry them, and only with nf_conntrack_acct=1).
std::optional<redirect::Flow> flowOf(const nf_conntrack* ct);

} // namespace fwx::conntrack
