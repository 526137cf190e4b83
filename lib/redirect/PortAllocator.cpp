#include "redirect/PortAllocator.hpp"

#include "error/Error.hpp"

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <sys/random.h>
#include <sys/types.h>

namespace fwx::redirect {

namespace {

// The first index of count consecutive false entries of busy within [from, to], scanning
// upwards; none if there is no such run.
std::optional<unsigned> findFreeRun(const std::vector<bool>& busy, unsigned from, unsigned to,
                                    unsigned count) {
    unsigned run = 0;
    for (unsigned i = from; i <= to; ++i) {
        run = busy[i] ? 0 : run + 1;
        if (run == count) {
            return i + 1 - count;
        }
    }
    return std::nullopt;
}

// Any free run of count entries: those starting at or after start, then those before it.
// Ports are consecutive numbers, so a run never wraps from the last port to the first.
std::optional<unsigned> findAnyRun(const std::vector<bool>& busy, unsigned start, unsigned count) {
    const auto size = static_cast<unsigned>(busy.size());
    std::optional<unsigned> index = findFreeRun(busy, start, size - 1, count);
    if (!index && start > 0) {
        index = findFreeRun(busy, 0, std::min(size - 1, start + count - 2), count);
    }
    return index;
}

std::string describeRun(std::uint16_t first, unsigned count) {
    return count == 1 ? fmt::format("port {}", first)
                      : fmt::format("ports {}-{}", first, first + count - 1);
}

} // namespace

std::uint32_t PortAllocator::systemRandom(std::uint32_t bound) {
    if (bound <= 1) {
        return 0;
    }
    // Values below 2^32 mod bound would make the low results more likely than the others.
    const std::uint32_t rejectBelow = (0U - bound) % bound;
    for (;;) {
        std::uint32_t value = 0;
        const ssize_t n = getrandom(&value, sizeof value, 0);
        if (n == static_cast<ssize_t>(sizeof value)) {
            if (value >= rejectBelow) {
                return value % bound;
            }
        } else if (n < 0 && errno != EINTR) {
            throwSystemError("getrandom", errno);
        }
    }
}

PortAllocator::PortAllocator(PortRange range, Host& host, RandomSource random)
    : range_(range)
    , host_(host)
    , random_(std::move(random)) {
}

std::uint16_t PortAllocator::allocate(const net::Address& address, net::Transport transport,
                                      unsigned count) {
    checkCount(count);
    const Key key{address, transport};
    const Occupancy occupied = occupancy(key);
    // A misbehaving source must not put the start outside the range.
    const unsigned offset = random_(range_.size()) % range_.size();
    const std::optional<unsigned> index = findAnyRun(occupied.busy, offset - offset % count, count);
    if (!index) {
        throw Error(ErrorCode::PortsExhausted,
                    fmt::format("no {} free {} {} on {} in {} ({} reserved, {} bound by local "
                                "sockets)",
                                count == 1 ? "single" : fmt::format("{} consecutive", count),
                                net::toString(transport), count == 1 ? "port" : "ports",
                                address.toString(), range_.toString(), occupied.reserved,
                                occupied.bound));
    }
    return reserve(key, *index, count);
}

PortLease PortAllocator::lease(const net::Address& address, net::Transport transport,
                               unsigned count) {
    const std::uint16_t first = allocate(address, transport, count);
    return {*this, address, transport, first, count};
}

void PortAllocator::release(const net::Address& address, net::Transport transport,
                            std::uint16_t first, unsigned count) {
    const auto fail = [&](const std::string& why) {
        throwInvalid(fmt::format("cannot release {} {} on {}: {}", net::toString(transport),
                                 describeRun(first, count), address.toString(), why));
    };
    if (count == 0) {
        fail("the run is empty");
    }
    // count is bounded first so that first + count cannot wrap.
    if (count > range_.size() || !range_.contains(first) || !range_.contains(first + count - 1)) {
        fail(fmt::format("the run is not inside the range {}", range_.toString()));
    }
    const Key key{address, transport};
    const auto it = reservations_.find(key);
    for (unsigned port = first; port < first + count; ++port) {
        if (it == reservations_.end() || !it->second.taken[indexOf(port)]) {
            fail(fmt::format("port {} is not reserved", port));
        }
    }
    releaseReserved(key, first, count);
}

unsigned PortAllocator::reservedCount(const net::Address& address, net::Transport transport) const {
    const auto it = reservations_.find(Key{address, transport});
    return it == reservations_.end() ? 0 : it->second.count;
}

bool PortAllocator::isReserved(const net::Address& address, net::Transport transport,
                               std::uint16_t port) const {
    const auto it = reservations_.find(Key{address, transport});
    return it != reservations_.end() && range_.contains(port) && it->second.taken[indexOf(port)];
}

void PortAllocator::checkCount(unsigned count) const {
    if (count == 0) {
        throwInvalid("cannot allocate 0 ports");
    }
    if (count > range_.size()) {
        throwInvalid(fmt::format("cannot allocate {} consecutive ports: the port range {} has "
                                 "only {}",
                                 count, range_.toString(), range_.size()));
    }
}

PortAllocator::Occupancy PortAllocator::occupancy(const Key& key) {
    Occupancy result;
    // Asked on every allocation: sockets come and go, a cache would go stale.
    const std::vector<std::uint16_t> bound = host_.boundPorts(key.address, key.transport, range_);
    if (const auto it = reservations_.find(key); it != reservations_.end()) {
        result.busy = it->second.taken;
        result.reserved = it->second.count;
    } else {
        result.busy.assign(range_.size(), false);
    }
    for (const std::uint16_t port : bound) {
        if (range_.contains(port) && !result.busy[indexOf(port)]) {
            result.busy[indexOf(port)] = true;
            ++result.bound;
        }
    }
    return result;
}

std::uint16_t PortAllocator::reserve(const Key& key, unsigned index, unsigned count) {
    auto it = reservations_.find(key);
    if (it == reservations_.end()) {
        it = reservations_.emplace(key, Reservations{std::vector<bool>(range_.size()), 0}).first;
    }
    Reservations& r = it->second;
    std::fill_n(r.taken.begin() + index, count, true);
    r.count += count;
    return static_cast<std::uint16_t>(range_.first() + index);
}

void PortAllocator::releaseReserved(const Key& key, std::uint16_t first, unsigned count) noexcept {
    const auto it = reservations_.find(key);
    Reservations& r = it->second;
    std::fill_n(r.taken.begin() + indexOf(first), count, false);
    r.count -= count;
    if (r.count == 0) {
        reservations_.erase(it);
    }
}

} // namespace fwx::redirect
