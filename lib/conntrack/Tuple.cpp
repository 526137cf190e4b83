#include "conntrack/Tuple.hpp"

#include <cstring>

#include <arpa/inet.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <netinet/in.h>

namespace fwx::conntrack {

namespace {
struct Side {
    nf_conntrack_attr v4;
    nf_conntrack_attr v6;
    nf_conntrack_attr port;
};
constexpr Side Source{ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV6_SRC, ATTR_ORIG_PORT_SRC};
constexpr Side Destination{ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST, ATTR_ORIG_PORT_DST};

void setEndpoint(nf_conntrack* entry, const Side& side, const net::Endpoint& endpoint) {
    if (endpoint.address.isV4()) {
        nfct_set_attr_u32(entry, side.v4, endpoint.address.v4().s_addr);
    } else {
        const in6_addr address = endpoint.address.v6();
        nfct_set_attr_l(entry, side.v6, &address, sizeof address);
    }
    nfct_set_attr_u16(entry, side.port, htons(endpoint.port));
}

std::optional<net::Endpoint> endpointOf(const nf_conntrack* entry, net::Family family,
                                        const Side& side) {
    const nf_conntrack_attr addressAttr = family == net::Family::V4 ? side.v4 : side.v6;
    if (nfct_attr_is_set(entry, addressAttr) <= 0 || nfct_attr_is_set(entry, side.port) <= 0) {
        return std::nullopt;
    }
    net::Endpoint endpoint;
    if (family == net::Family::V4) {
        in_addr address{};
        address.s_addr = nfct_get_attr_u32(entry, addressAttr);
        endpoint.address = net::Address::fromV4(address);
    } else {
        in6_addr address{};
        std::memcpy(&address, nfct_get_attr(entry, addressAttr), sizeof address);
        endpoint.address = net::Address::fromV6(address);
    }
    endpoint.port = ntohs(nfct_get_attr_u16(entry, side.port));
    return endpoint;
}
} // namespace

Entry Tuple::toEntry() const {
    Entry entry = makeEntry();
    nfct_set_attr_u8(entry.get(), ATTR_ORIG_L3PROTO,
                     static_cast<std::uint8_t>(net::toAddressFamily(source.family())));
    nfct_set_attr_u8(entry.get(), ATTR_ORIG_L4PROTO, protocol);
    setEndpoint(entry.get(), Source, source);
    setEndpoint(entry.get(), Destination, destination);
    return entry;
}

std::optional<Tuple> Tuple::of(const nf_conntrack* entry) {
    if (nfct_attr_is_set(entry, ATTR_ORIG_L3PROTO) <= 0 ||
        nfct_attr_is_set(entry, ATTR_ORIG_L4PROTO) <= 0) {
        return std::nullopt;
    }
    const int af = nfct_get_attr_u8(entry, ATTR_ORIG_L3PROTO);
    if (af != AF_INET && af != AF_INET6) {
        return std::nullopt;
    }
    const net::Family family = net::familyFromAddressFamily(af);
    auto source = endpointOf(entry, family, Source);
    auto destination = endpointOf(entry, family, Destination);
    if (!source || !destination) {
        return std::nullopt;
    }
    return Tuple{nfct_get_attr_u8(entry, ATTR_ORIG_L4PROTO), *source, *destination};
}

} // namespace fwx::conntrack
