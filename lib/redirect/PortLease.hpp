#pragma once

#include "net/Address.hpp"
#include "net/Transport.hpp"

#include <cstdint>

namespace fwx::redirect {

class PortAllocator;

// A run of ports reserved by PortAllocator::lease() that goes back to the allocator when
// the lease is destroyed, unless commit() was called: the caller takes the ports over once
// everything that depends on them (the kernel transaction) has succeeded, and every
// exception before that returns them. Move-only; an empty (default or moved-from) lease
// holds nothing.
class PortLease {
public:
    PortLease() = default;
    PortLease(PortLease&& other) noexcept;
    PortLease& operator=(PortLease&& other) noexcept;
    PortLease(const PortLease&) = delete;
    PortLease& operator=(const PortLease&) = delete;
    ~PortLease();

    // The ports stay reserved after the lease is gone; whoever keeps them must give them
    // back with PortAllocator::release(). The lease holds nothing afterwards.
    void commit() noexcept;
    // Gives the ports back now. The lease holds nothing afterwards.
    void reset() noexcept;

    // Whether the ports are still the lease's to give back. The accessors below keep
    // describing the run after commit() and reset().
    bool holds() const noexcept { return allocator_ != nullptr; }
    const net::Address& address() const noexcept { return address_; }
    net::Transport transport() const noexcept { return transport_; }
    std::uint16_t first() const noexcept { return first_; }
    unsigned count() const noexcept { return count_; }

private:
    friend class PortAllocator;
    PortLease(PortAllocator& allocator, const net::Address& address, net::Transport transport,
              std::uint16_t first, unsigned count) noexcept;

    PortAllocator* allocator_ = nullptr;
    net::Address address_;
    net::Transport transport_ = net::Transport::Tcp;
    std::uint16_t first_ = 0;
    unsigned count_ = 0;
};

} // namespace fwx::redirect
