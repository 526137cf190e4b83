#pragma once

#include "conntrack/Handle.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
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
    // the caller's event loop (the fd stays readable). Returns true if events were lost
    // meanwhile: the kernel reported an overrun (ENOBUFS) or a message did not fit.
    // Throws fwx::Error(Failed) for any other receive error, and what onMessage throws.
    bool drain(const MessageFn& onMessage);

private:
    enum class Receipt { Messages, Lost, Empty };
    // One recvmsg(): its messages handed on, an overrun, or nothing left. Adds the
    // datagram's length to received.
    Receipt receiveOne(const MessageFn& onMessage, std::size_t& received);

    Handle handle_;
    std::size_t budget_;
    std::vector<std::uint8_t> buffer_;
};

} // namespace fwx::conntrack
