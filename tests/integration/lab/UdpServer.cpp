#include "lab/UdpServer.hpp"

#include "lab/Socket.hpp"

#include <array>
#include <cerrno>
#include <system_error>

#include <poll.h>
#include <sys/socket.h>

namespace fwx::test {

namespace {

UniqueFd bindUdp(const Netns* ns, const SocketAddress& address) {
    UniqueFd fd = openSocket(ns, address.family(), SOCK_DGRAM);
    bindTo(fd.get(), address);
    return fd;
}

} // namespace

std::optional<Datagram> receiveDatagram(int fd, const Deadline& deadline) {
    // Larger than any datagram the lab sends; a longer one would be truncated.
    std::array<char, 65536> buffer{};
    for (;;) {
        sockaddr_storage peer{};
        socklen_t length = sizeof peer;
        const ssize_t n = ::recvfrom(fd, buffer.data(), buffer.size(), 0,
                                     reinterpret_cast<sockaddr*>(&peer), &length);
        if (n >= 0) {
            return Datagram{SocketAddress::fromSockaddr(peer),
                            std::string(buffer.data(), static_cast<std::size_t>(n))};
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != EAGAIN) {
            return std::nullopt; // a pending ICMP error, reported in place of data
        }
        const short events = pollFd(fd, POLLIN, deadline);
        // POLLERR alone: an error is queued and no datagram; the error queue keeps it for
        // whoever asks (UdpClient::awaitError), and waiting on would spin.
        if (events == 0 || (events & POLLIN) == 0) {
            return std::nullopt;
        }
    }
}

UdpServer::UdpServer(const Netns* ns, std::string_view address, std::uint16_t port)
    : fd_(bindUdp(ns, SocketAddress(address, port)))
    , address_(localAddressOf(fd_.get())) {
}

std::optional<Datagram> UdpServer::receive(milliseconds timeout) {
    return receiveDatagram(fd_.get(), Deadline(timeout));
}

void UdpServer::reply(const SocketAddress& peer, std::string_view data) {
    if (::sendto(fd_.get(), data.data(), data.size(), 0, peer.get(), peer.size()) < 0) {
        throw std::system_error(errno, std::generic_category(), "UDP reply to " + peer.toString());
    }
}

} // namespace fwx::test
