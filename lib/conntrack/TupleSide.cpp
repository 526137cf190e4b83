#include "conntrack/TupleSide.hpp"

#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace fwx::conntrack {

std::optional<net::Family> familyOf(const nf_conntrack* ct, nf_conntrack_attr l3proto) {
    if (nfct_attr_is_set(ct, l3proto) <= 0) {
        return std::nullopt;
    }
    switch (nfct_get_attr_u8(ct, l3proto)) {
    case AF_INET:
        return net::Family::V4;
    case AF_INET6:
        return net::Family::V6;
    default:
        return std::nullopt;
    }
}

std::optional<net::Transport> transportOf(const nf_conntrack* ct, nf_conntrack_attr l4proto) {
    if (nfct_attr_is_set(ct, l4proto) <= 0) {
        return std::nullopt;
    }
    switch (nfct_get_attr_u8(ct, l4proto)) {
    case IPPROTO_TCP:
        return net::Transport::Tcp;
    case IPPROTO_UDP:
        return net::Transport::Udp;
    default:
        return std::nullopt;
    }
}

std::optional<net::Address> addressOf(const nf_conntrack* ct, net::Family family,
                                      const TupleSide& side) {
    const nf_conntrack_attr attr = family == net::Family::V4 ? side.v4 : side.v6;
    if (nfct_attr_is_set(ct, attr) <= 0) {
        return std::nullopt;
    }
    if (family == net::Family::V4) {
        in_addr address{};
        address.s_addr = nfct_get_attr_u32(ct, attr);
        return net::Address::fromV4(address);
    }
    in6_addr address{};
    std::memcpy(&address, nfct_get_attr(ct, attr), sizeof address);
    return net::Address::fromV6(address);
}

std::optional<net::Endpoint> endpointOf(const nf_conntrack* ct, net::Family family,
                                        const TupleSide& side) {
    auto address = addressOf(ct, family, side);
    if (!address || nfct_attr_is_set(ct, side.port) <= 0) {
        return std::nullopt;
    }
    return net::Endpoint{*address, ntohs(nfct_get_attr_u16(ct, side.port))};
}

} // namespace fwx::conntrack
