#pragma once

#include "conntrack/EventFilter.hpp"
#include "conntrack/Handle.hpp"
#include "redirect/Flow.hpp"

namespace fwx::conntrack {

// Everything conntrack holds now, for a resynchronisation: one dump of the expectation
// table, then one of the conntrack table (both families; TCP and UDP flows the filter
// admits). Expectations first: one consumed in between then shows up as its connection
// rather than not at all. flows and expectations are query sockets (Handle::open(),
// Handle::openExpect()), never event sockets, whose queues the dump replies would join.
// Throws fwx::Error(Failed) with the errno when ctnetlink refuses a dump.
redirect::ConntrackSnapshot takeSnapshot(const Handle& flows, const Handle& expectations,
                                         const EventFilter& filter);

} // namespace fwx::conntrack
