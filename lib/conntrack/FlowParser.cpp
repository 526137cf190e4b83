#include "conntrack/FlowParser.hpp"

#include "conntrack/TupleSide.hpp"

#include <cstdint>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>

namespace fwx::conntrack {

namespace {

bool hasStatus(const nf_conntrack* ct, std::uint32_t bits) {
    return (nfct_get_attr_u32(ct, ATTR_STATUS) & bits) == bits;
}

// TCP: the target answered the SYN and the client acknowledged it. The kernel sets
// IPS_ASSURED on that third ACK and keeps it; the state alone is not enough because a
// refused connection goes from SYN_SENT to CLOSE, and DESTROY events carry no state.
bool tcpEstablished(const nf_conntrack* ct) {
    if (!hasStatus(ct, IPS_SEEN_REPLY)) {
        return false;
    }
    if (hasStatus(ct, IPS_ASSURED)) {
        return true;
    }
    if (nfct_attr_is_set(ct, ATTR_TCP_STATE) <= 0) {
        return false;
    }
    const std::uint8_t state = nfct_get_attr_u8(ct, ATTR_TCP_STATE);
    return state >= TCP_CONNTRACK_ESTABLISHED && state <= TCP_CONNTRACK_TIME_WAIT;
}

// TCP: the update event of the moment the connection ended: both FINs acknowledged
// (TIME_WAIT) or a reset (CLOSE). DESTROY events carry no state.
bool tcpEnded(const nf_conntrack* ct) {
    if (nfct_attr_is_set(ct, ATTR_TCP_STATE) <= 0) {
        return false;
    }
    const std::uint8_t state = nfct_get_attr_u8(ct, ATTR_TCP_STATE);
    return state == TCP_CONNTRACK_TIME_WAIT || state == TCP_CONNTRACK_CLOSE;
}

// The primary connection of an entry that conntrack created from an expectation. Only
// NEW events and dumps carry the master tuple (CTA_TUPLE_MASTER).
std::optional<redirect::PrimaryConnection> masterOf(const nf_conntrack* ct) {
    if (!hasStatus(ct, IPS_EXPECTED)) {
        return std::nullopt;
    }
    const auto family = familyOf(ct, ATTR_MASTER_L3PROTO);
    const auto transport = transportOf(ct, ATTR_MASTER_L4PROTO);
    if (!family || !transport) {
        return std::nullopt;
    }
    auto client = endpointOf(ct, *family, masterSource);
    auto server = endpointOf(ct, *family, masterDestination);
    if (!client || !server) {
        return std::nullopt;
    }
    return redirect::PrimaryConnection{*transport, *client, *server};
}

redirect::FlowCounters countersOf(const nf_conntrack* ct, nf_conntrack_attr packets,
                                  nf_conntrack_attr bytes) {
    return redirect::FlowCounters{nfct_get_attr_u64(ct, packets), nfct_get_attr_u64(ct, bytes)};
}

} // namespace

std::optional<redirect::Flow> flowOf(const nf_conntrack* ct) {
    const auto family = familyOf(ct, ATTR_ORIG_L3PROTO);
    const auto transport = transportOf(ct, ATTR_ORIG_L4PROTO);
    if (!family || !transport) {
        return std::nullopt;
    }
    auto client = endpointOf(ct, *family, originalSource);
    auto internal = endpointOf(ct, *family, originalDestination);
    auto target = endpointOf(ct, *family, replySource);
    auto source = endpointOf(ct, *family, replyDestination);
    if (!client || !internal || !target || !source) {
        return std::nullopt;
    }
    redirect::Flow flow;
    flow.id = nfct_get_attr_u32(ct, ATTR_ID);
    flow.transport = *transport;
    flow.client = *client;
    flow.internal = *internal;
    flow.target = *target;
    flow.source = *source;
    flow.established =
        *transport == net::Transport::Tcp ? tcpEstablished(ct) : hasStatus(ct, IPS_SEEN_REPLY);
    flow.ended = *transport == net::Transport::Tcp && tcpEnded(ct);
    flow.master = masterOf(ct);
    flow.fromClient = countersOf(ct, ATTR_ORIG_COUNTER_PACKETS, ATTR_ORIG_COUNTER_BYTES);
    flow.fromTarget = countersOf(ct, ATTR_REPL_COUNTER_PACKETS, ATTR_REPL_COUNTER_BYTES);
    return flow;
}

} // namespace fwx::conntrack
