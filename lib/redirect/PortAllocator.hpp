#pragma once

#include "net/Address.hpp"
#include "net/Transport.hpp"
#include "redirect/Host.hpp"
#include "redirect/PortLease.hpp"
#include "redirect/PortRange.hpp"

#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

namespace fwx::redirect {

// Hands out runs of consecutive ports from the configured range, per internal address and
// transport. A port is free when no other allocation holds it and no local socket is bound
// to it (on that address or the wildcard). The search starts at a random port so that
// pending permissions cannot be guessed from earlier ones (RFC 6056, algorithm 1).
//
// The random start is rounded down to a multiple of count (from the range's first port), and
// the first free run at or after it is taken (wrapping to the range's start). Runs of one
// size then stay aligned and tile the range instead of stranding short gaps between them:
// with unrounded starts, 10-port requests ran out of 1,000 ports with ~15 % of them free. A
// guessed port still hits a pending run with the same chance, count in the range's size.
//
// Not thread-safe; the daemon calls it from its event loop. Leases point back at the
// allocator, so it must outlive them and it cannot be copied or moved.
class PortAllocator {
public:
    // Returns a uniformly distributed number in [0, bound); bound >= 1.
    using RandomSource = std::function<std::uint32_t(std::uint32_t bound)>;

    // The kernel's CSPRNG (getrandom(2)).
    static std::uint32_t systemRandom(std::uint32_t bound);

    PortAllocator(PortRange range, Host& host, RandomSource random = &systemRandom);
    PortAllocator(const PortAllocator&) = delete;
    PortAllocator& operator=(const PortAllocator&) = delete;

    // Reserves count consecutive free ports on address and transport, returns the first.
    // Throws fwx::Error: InvalidArgument if count is 0 or larger than the range,
    // PortsExhausted if no such run is free, Failed if the host cannot be asked.
    std::uint16_t allocate(const net::Address& address, net::Transport transport, unsigned count);
    // allocate(), wrapped so that the ports go back unless the lease is committed.
    PortLease lease(const net::Address& address, net::Transport transport, unsigned count);

    // Gives back a run allocate() returned. Throws fwx::Error(InvalidArgument), and changes
    // nothing, if any port of the run is not reserved: releasing twice is a bug.
    void release(const net::Address& address, net::Transport transport, std::uint16_t first,
                 unsigned count);

    unsigned reservedCount(const net::Address& address, net::Transport transport) const;
    bool isReserved(const net::Address& address, net::Transport transport,
                    std::uint16_t port) const;
    const PortRange& range() const noexcept { return range_; }

private:
    friend class PortLease;

    struct Key {
        net::Address address;
        net::Transport transport = net::Transport::Tcp;
        // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads defaulted <=>
        auto operator<=>(const Key&) const = default;
    };
    // One flag per port of the range (index = port - range.first()).
    struct Reservations {
        std::vector<bool> taken;
        unsigned count = 0;
    };

    // What the search sees for one key: our reservations plus the ports local sockets hold.
    struct Occupancy {
        std::vector<bool> busy;
        unsigned reserved = 0;
        unsigned bound = 0; // bound by a local socket and not reserved by us
    };

    unsigned indexOf(unsigned port) const noexcept { return port - range_.first(); }
    void checkCount(unsigned count) const;
    Occupancy occupancy(const Key& key);
    std::uint16_t reserve(const Key& key, unsigned index, unsigned count);
    // Precondition: every port of the run is reserved.
    void releaseReserved(const Key& key, std::uint16_t first, unsigned count) noexcept;

    PortRange range_;
    Host& host_;
    RandomSource random_;
    // Keys without reservations are erased, so this stays as small as the live state.
    std::map<Key, Reservations> reservations_;
};

} // namespace fwx::redirect
