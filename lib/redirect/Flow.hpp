#pragma once

#include "net/Endpoint.hpp"
#include "net/Transport.hpp"
#include "redirect/Expectation.hpp"
#include "redirect/Session.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fwx::redirect {

// Packets and bytes of one direction of a connection (nf_conntrack_acct).
struct FlowCounters {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;

    auto operator<=>(const FlowCounters&) const = default;
};

// A connection as conntrack tracks it, in the terms redirects care about. For a connection
// through a redirect: client -> internal is what the client sent to, target -> source is
// what the target answers (after DNAT, and after SNAT when the redirect has one).
struct Flow {
    // conntrack's id of the entry: tells a re-created entry of the same tuple from the old.
    std::uint32_t id = 0;
    net::Transport transport = net::Transport::Tcp;
    net::Endpoint client;   // original source
    net::Endpoint internal; // original destination (before DNAT)
    net::Endpoint target;   // reply source (after DNAT)
    net::Endpoint source;   // reply destination: the client, or the SNAT address
    // TCP: the three-way handshake completed; UDP: the target answered.
    bool established = false;
    // TCP: both sides closed (TIME_WAIT) or one reset it (CLOSE), as an update event says;
    // conntrack keeps the entry a while longer, but the connection is over.
    bool ended = false;
    // The primary connection when conntrack created the entry from an expectation
    // (IPS_EXPECTED and a master tuple).
    std::optional<PrimaryConnection> master;
    // Only in DESTROY events and dumps, and only with net.netfilter.nf_conntrack_acct=1.
    FlowCounters fromClient;
    FlowCounters fromTarget;
    // User mode only, in a Destroy: why the relay ended it ("finished", "reset", "refused",
    // "connect-failed", "idle-timeout", "cancelled", "failed"; for a data filter's
    // connection "handed-over", "data-filter-failed", "no-data-filter"). "" otherwise.
    std::string endReason;
};

enum class FlowEventType { New, Update, Destroy };

struct FlowEvent {
    FlowEventType type = FlowEventType::New;
    Flow flow;
};

enum class ExpectationEventType { New, Destroy };

// Expectation events: only NEW and DESTROY exist. A DESTROY with time left 0 is an expiry;
// with time left it was consumed, removed, or its master died.
struct ExpectationEvent {
    ExpectationEventType type = ExpectationEventType::New;
    Expectation expectation;
};

// Everything conntrack holds that a resynchronisation needs, from one dump of each table.
struct ConntrackSnapshot {
    std::vector<Flow> flows;
    std::vector<Expectation> expectations;
};

} // namespace fwx::redirect
