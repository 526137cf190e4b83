#pragma once

#include "conntrack/Handle.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

struct nlmsghdr;

namespace fwx::conntrack {

// A ctnetlink socket subscribed to event groups, set up so that no loss goes unnoticed:
// non-blocking, its receive buffer forced to the size asked for (SO_RCVBUFFORCE, beyond
// net.core.rmem_max), and NETLINK_BROADCAST_ERROR, with which the kernel learns of
// undelivered conntrack DESTROY events and delivers them again. NETLINK_NO_ENOBUFS is
// deliberately not set: expectation events are never retried, so an overrun must be
// reported (ENOBUFS) for the listener to resynchronise.
class EventSocket {
public:
    // handle: subscribed to its groups. Throws fwx::Error(Failed) with the errno.
    EventSocket(Handle handle, int receiveBuffer);

    int fd() const noexcept;
    nfct_handle* handle() const noexcept { return handle_.get(); }

    using MessageFn = std::function<void(const nlmsghdr& message)>;
    // Hands every queued message the kernel sent to onMessage, without blocking; stops
    // when none is left or after one receive buffer's worth, so that a flood cannot hold
    // the caller's event loop (the fd stays readable). Throws fwx::Error(Failed) for a
    // receive error other than an overrun, and what onMessage throws.
    void drain(const MessageFn& onMessage);

    // Events were lost: the kernel reported an overrun (ENOBUFS) or a message did not fit.
    // Stays set, also across exceptions, until cleared once the loss is made good.
    bool overrun() const noexcept { return overrun_; }
    void clearOverrun() noexcept { overrun_ = false; }
    // Events were lost on our side: the rest of a receive after a handler failed.
    void markOverrun() noexcept { overrun_ = true; }

private:
    // One recvmsg(): the datagram's length (its messages handed on), 0 after an overrun
    // or an interruption, none when nothing is left.
    std::optional<std::size_t> receiveOne(const MessageFn& onMessage);

    Handle handle_;
    std::size_t budget_;
    std::vector<std::uint8_t> buffer_;
    bool overrun_ = false;
};

} // namespace fwx::conntrack
