#pragma once

#include "conntrack/Entry.hpp"
#include "net/Endpoint.hpp"

#include <cstdint>
#include <optional>

namespace fwx::conntrack {

// The original-direction tuple of a conntrack entry: what identifies a primary connection
// (an expectation's master), the connection an expectation admits, or, with bit masks in
// place of addresses and ports, an expectation's mask.
struct Tuple {
    std::uint8_t protocol = 0; // IPPROTO_TCP / IPPROTO_UDP
    net::Endpoint source;
    net::Endpoint destination;

    // A new entry carrying the tuple (l3proto from the addresses' family).
    Entry toEntry() const;
    // None if the entry lacks an address or port attribute (not TCP or UDP).
    static std::optional<Tuple> of(const nf_conntrack* entry);

    auto operator<=>(const Tuple&) const = default;
};

} // namespace fwx::conntrack
