#include "conntrack/EventSocket.hpp"

#include "error/Error.hpp"

#include <cerrno>
#include <utility>

#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netlink.h>
#include <sys/socket.h>

namespace fwx::conntrack {

namespace {

// Large enough for any ctnetlink event: the kernel builds each in one skb of at most a
// page, and the library's own receive buffer is 8 KiB.
constexpr std::size_t datagramSize = std::size_t{64} * 1024;

void setOption(int fd, int level, int name, int value, const char* what) {
    if (::setsockopt(fd, level, name, &value, sizeof value) < 0) {
        throwSystemError(what, errno);
    }
}

void setNonBlocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        throwSystemError("making a ctnetlink event socket non-blocking", errno);
    }
}

void forEachMessage(const std::uint8_t* data, std::size_t length,
                    const EventSocket::MessageFn& onMessage) {
    const auto* message = static_cast<const nlmsghdr*>(static_cast<const void*>(data));
    int left = static_cast<int>(length);
    while (mnl_nlmsg_ok(message, left)) {
        onMessage(*message);
        message = mnl_nlmsg_next(message, &left);
    }
}

} // namespace

EventSocket::EventSocket(Handle handle, int receiveBuffer)
    : handle_(std::move(handle))
    , budget_(static_cast<std::size_t>(receiveBuffer))
    , buffer_(datagramSize) {
    const int socket = fd();
    setNonBlocking(socket);
    setOption(socket, SOL_SOCKET, SO_RCVBUFFORCE, receiveBuffer,
              "setting the receive buffer of a ctnetlink event socket (SO_RCVBUFFORCE)");
    setOption(socket, SOL_NETLINK, NETLINK_BROADCAST_ERROR, 1,
              "setting NETLINK_BROADCAST_ERROR on a ctnetlink event socket");
}

int EventSocket::fd() const noexcept {
    return nfct_fd(handle_.get());
}

void EventSocket::drain(const MessageFn& onMessage) {
    std::size_t received = 0;
    while (received < budget_) {
        const auto length = receiveOne(onMessage);
        if (!length) {
            break;
        }
        received += *length;
    }
}

std::optional<std::size_t> EventSocket::receiveOne(const MessageFn& onMessage) {
    sockaddr_nl sender{};
    iovec io{buffer_.data(), buffer_.size()};
    msghdr header{};
    header.msg_name = &sender;
    header.msg_namelen = sizeof sender;
    header.msg_iov = &io;
    header.msg_iovlen = 1;
    const ssize_t length = ::recvmsg(fd(), &header, MSG_DONTWAIT);
    if (length < 0) {
        const int err = errno;
        if (err == EINTR) {
            return 0;
        }
        if (err == ENOBUFS) {
            overrun_ = true;
            return 0;
        }
        if (err == EAGAIN || err == EWOULDBLOCK) {
            return std::nullopt;
        }
        throwSystemError("receiving ctnetlink events", err);
    }
    const auto size = static_cast<std::size_t>(length);
    if ((header.msg_flags & MSG_TRUNC) != 0) {
        overrun_ = true;
    } else if (sender.nl_pid == 0) { // events come from the kernel, nobody else
        forEachMessage(buffer_.data(), size, onMessage);
    }
    return size;
}

} // namespace fwx::conntrack
