#include "redirect/PortLease.hpp"

#include "redirect/PortAllocator.hpp"

#include <utility>

namespace fwx::redirect {

PortLease::PortLease(PortAllocator& allocator, const net::Address& address,
                     net::Transport transport, std::uint16_t first, unsigned count) noexcept
    : allocator_(&allocator)
    , address_(address)
    , transport_(transport)
    , first_(first)
    , count_(count) {
}

PortLease::PortLease(PortLease&& other) noexcept
    : allocator_(std::exchange(other.allocator_, nullptr))
    , address_(other.address_)
    , transport_(other.transport_)
    , first_(other.first_)
    , count_(other.count_) {
}

PortLease& PortLease::operator=(PortLease&& other) noexcept {
    if (this != &other) {
        reset();
        allocator_ = std::exchange(other.allocator_, nullptr);
        address_ = other.address_;
        transport_ = other.transport_;
        first_ = other.first_;
        count_ = other.count_;
    }
    return *this;
}

PortLease::~PortLease() {
    reset();
}

void PortLease::commit() noexcept {
    allocator_ = nullptr;
}

void PortLease::reset() noexcept {
    if (allocator_ != nullptr) {
        std::exchange(allocator_, nullptr)
            ->releaseReserved(PortAllocator::Key{address_, transport_}, first_, count_);
    }
}

} // namespace fwx::redirect
