#pragma once

#include "net/Endpoint.hpp"
#include "net/Transport.hpp"
#include "redirect/Flow.hpp"
#include "redirect/PortRange.hpp"

#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace fwx::redirect {

// The live conntrack entries whose original destination is a port redirects are allocated
// from, as conntrack events and resynchronisation dumps reported them. When a port is
// allocated, the entries on it that do not follow its new redirect must go (a UDP client
// that keeps its source port would keep reaching the previous target, or the firewall
// itself); knowing them lets fwxd delete exactly those, instead of walking a conntrack table
// of 10^5-10^6 entries on every request.
//
// It starts out incomplete: it knows nothing until a dump seeds it (reset()). Bounded:
// beyond capacity it stops remembering and says it is incomplete again, until the next
// dump. While it is incomplete, its reader has to ask the kernel the slow way.
class PortFlows {
public:
    PortFlows(PortRange range, std::size_t capacity);

    // A NEW or UPDATE event: remembered (or refreshed) if it is sent to a port of the range.
    void seen(const Flow& flow);
    // A DESTROY event.
    void gone(const Flow& flow);
    // After a dump: exactly these entries (those to ports of the range).
    void reset(const std::vector<Flow>& flows);

    // The entries sent to internal over transport.
    std::vector<Flow> to(net::Transport transport, const net::Endpoint& internal) const;
    // False once an entry could not be remembered; to() may then miss some.
    bool complete() const noexcept { return complete_; }
    std::size_t size() const noexcept { return entries_.size(); }

private:
    // Ordered by destination first, so that one port's entries are neighbours.
    struct Key {
        net::Transport transport = net::Transport::Tcp;
        net::Endpoint internal;
        net::Endpoint client;
        auto operator<=>(const Key&) const = default;
    };
    struct Entry {
        std::uint32_t id = 0;
        net::Endpoint target;
        net::Endpoint source;
    };

    bool inRange(const Flow& flow) const noexcept { return range_.contains(flow.internal.port); }

    PortRange range_;
    std::size_t capacity_;
    bool complete_ = false;
    std::map<Key, Entry> entries_;
};

} // namespace fwx::redirect
