// fwx::test::UdpServer: the target of UDP redirects, bound in a lab namespace.
#pragma once

#include "lab/Deadline.hpp"
#include "lab/SocketAddress.hpp"
#include "lab/UniqueFd.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fwx::test {

class Netns;

struct Datagram {
    SocketAddress peer; // the sender as this socket sees it (after any NAT)
    std::string data;
};

class UdpServer {
public:
    // Binds address:port inside ns (null = the firewall itself); port 0 = ephemeral.
    UdpServer(const Netns* ns, std::string_view address, std::uint16_t port = 0);

    const SocketAddress& address() const noexcept { return address_; }
    std::uint16_t port() const noexcept { return address_.port(); }

    // The next datagram, or nullopt if none arrived within timeout.
    std::optional<Datagram> receive(milliseconds timeout);
    // Sends data to peer, normally the peer of a received datagram.
    void reply(const SocketAddress& peer, std::string_view data);

private:
    UniqueFd fd_;
    SocketAddress address_;
};

// Reads one datagram from a non-blocking socket, waiting for it until deadline; nullopt on
// timeout or when an asynchronous error (an ICMP error) is pending instead.
std::optional<Datagram> receiveDatagram(int fd, const Deadline& deadline);

} // namespace fwx::test
