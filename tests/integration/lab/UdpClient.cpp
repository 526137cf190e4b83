#include "lab/UdpClient.hpp"

#include "lab/Errno.hpp"
#include "lab/Socket.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

namespace fwx::test {

namespace {

void enableErrorQueue(int fd, Family family) {
    const int on = 1;
    const int rc = family == Family::V4 ? ::setsockopt(fd, SOL_IP, IP_RECVERR, &on, sizeof on)
                                        : ::setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &on, sizeof on);
    if (rc != 0) {
        throw std::system_error(errno, std::generic_category(), "IP_RECVERR");
    }
}

// The sockaddr (SO_EE_OFFENDER) that follows the extended error in the control message.
std::string offenderText(const cmsghdr& c) {
    const unsigned char* data = CMSG_DATA(&c);
    const auto header = static_cast<std::size_t>(data - reinterpret_cast<const unsigned char*>(&c));
    if (c.cmsg_len <= header + sizeof(sock_extended_err)) {
        return "?";
    }
    sockaddr_storage offender{};
    std::memcpy(&offender, data + sizeof(sock_extended_err),
                std::min(c.cmsg_len - header - sizeof(sock_extended_err), sizeof offender));
    if (offender.ss_family != AF_INET && offender.ss_family != AF_INET6) {
        return "?";
    }
    return SocketAddress::fromSockaddr(offender).address();
}

// One entry of the error queue, or nullopt if it is empty.
std::optional<IcmpError> readErrorQueue(int fd) {
    std::array<char, 512> control{};
    std::array<char, 512> data{};
    iovec iov{data.data(), data.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    if (::recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
        return std::nullopt;
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        const bool v4 = c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR;
        const bool v6 = c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR;
        if (!v4 && !v6) {
            continue;
        }
        sock_extended_err ee{};
        std::memcpy(&ee, CMSG_DATA(c), sizeof ee);
        IcmpError error;
        error.error = static_cast<int>(ee.ee_errno);
        error.type = ee.ee_type;
        error.code = ee.ee_code;
        error.offender = offenderText(*c);
        error.text = errnoText(error.error) + ", " + (v4 ? "ICMP " : "ICMPv6 ") +
                     std::to_string(error.type) + "/" + std::to_string(error.code) + " from " +
                     error.offender;
        return error;
    }
    return std::nullopt;
}

// Takes the error the kernel also keeps in SO_ERROR (0 if none); taking it clears it, so
// that the next send() does not fail with an error that belongs to an earlier datagram.
int takePendingError(int fd) {
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
        throw std::system_error(errno, std::generic_category(), "SO_ERROR");
    }
    return error;
}

} // namespace

std::ostream& operator<<(std::ostream& out, const IcmpError& error) {
    return out << error.text;
}

UdpClient::UdpClient(const Netns* ns, Family family, std::optional<std::uint16_t> sourcePort,
                     std::string_view sourceAddress)
    : fd_(openSocket(ns, family, SOCK_DGRAM)) {
    enableErrorQueue(fd_.get(), family);
    if (sourcePort || !sourceAddress.empty()) {
        const std::uint16_t port = sourcePort.value_or(0);
        bindTo(fd_.get(), sourceAddress.empty() ? SocketAddress::any(family, port)
                                                : SocketAddress(sourceAddress, port));
    }
}

void UdpClient::send(const SocketAddress& destination, std::string_view data) {
    if (connectedTo_ != destination) {
        if (::connect(fd_.get(), destination.get(), destination.size()) != 0) {
            throw std::system_error(errno, std::generic_category(),
                                    "UDP connect to " + destination.toString());
        }
        connectedTo_ = destination;
    }
    static_cast<void>(takePendingError(fd_.get()));
    if (::send(fd_.get(), data.data(), data.size(), 0) < 0) {
        throw std::system_error(errno, std::generic_category(),
                                "UDP send to " + destination.toString());
    }
}

std::optional<IcmpError> UdpClient::awaitError(milliseconds timeout) {
    const Deadline deadline(timeout);
    for (;;) {
        if (auto error = readErrorQueue(fd_.get())) {
            static_cast<void>(takePendingError(fd_.get()));
            return error;
        }
        // Only possible if the queue entry was consumed elsewhere; without this the poll
        // below would report the same POLLERR forever.
        if (const int pending = takePendingError(fd_.get()); pending != 0) {
            return IcmpError{pending, 0, 0, {}, errnoText(pending)};
        }
        // POLLERR is reported whatever events are asked for; POLLIN must not end the wait.
        if ((pollFd(fd_.get(), POLLERR, deadline) & POLLERR) == 0) {
            return std::nullopt;
        }
    }
}

std::optional<Datagram> UdpClient::receive(milliseconds timeout) {
    return receiveDatagram(fd_.get(), Deadline(timeout));
}

SocketAddress UdpClient::localAddress() const {
    return localAddressOf(fd_.get());
}

} // namespace fwx::test
