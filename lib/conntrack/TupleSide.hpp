// Reading the tuples of a libnetfilter_conntrack entry (original, reply, master) as
// libfwx's net types.
#pragma once

#include "net/Address.hpp"
#include "net/Endpoint.hpp"
#include "net/Transport.hpp"

#include <cstdint>
#include <optional>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

namespace fwx::conntrack {

// Which address and port of a conntrack entry to read.
struct TupleSide {
    nf_conntrack_attr v4;
    nf_conntrack_attr v6;
    nf_conntrack_attr port;
};

inline constexpr TupleSide originalSource{ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV6_SRC,
                                          ATTR_ORIG_PORT_SRC};
inline constexpr TupleSide originalDestination{ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST,
                                               ATTR_ORIG_PORT_DST};
inline constexpr TupleSide replySource{ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC, ATTR_REPL_PORT_SRC};
inline constexpr TupleSide replyDestination{ATTR_REPL_IPV4_DST, ATTR_REPL_IPV6_DST,
                                            ATTR_REPL_PORT_DST};
inline constexpr TupleSide masterSource{ATTR_MASTER_IPV4_SRC, ATTR_MASTER_IPV6_SRC,
                                        ATTR_MASTER_PORT_SRC};
inline constexpr TupleSide masterDestination{ATTR_MASTER_IPV4_DST, ATTR_MASTER_IPV6_DST,
                                             ATTR_MASTER_PORT_DST};

// The family in an L3PROTO attribute (e.g. ATTR_ORIG_L3PROTO): none unless IPv4 or IPv6.
std::optional<net::Family> familyOf(const nf_conntrack* ct, nf_conntrack_attr l3proto);
// The transport in an L4PROTO attribute: none unless TCP or UDP.
std::optional<net::Transport> transportOf(const nf_conntrack* ct, nf_conntrack_attr l4proto);

// The address of one side of a tuple: none if the entry lacks it.
std::optional<net::Address> addressOf(const nf_conntrack* ct, net::Family family,
                                      const TupleSide& side);
// The address and port: none if the entry lacks either (not TCP or UDP, or truncated).
std::optional<net::Endpoint> endpointOf(const nf_conntrack* ct, net::Family family,
                                        const TupleSide& side);

} // namespace fwx::conntrack
