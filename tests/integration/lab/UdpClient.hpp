// fwx::test::UdpClient: a client's view of a UDP flow, including the ICMP errors it gets.
#pragma once

#include "lab/Deadline.hpp"
#include "lab/SocketAddress.hpp"
#include "lab/UdpServer.hpp"
#include "lab/UniqueFd.hpp"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace fwx::test {

class Netns;

// An ICMP / ICMPv6 error reported for a datagram this socket sent (IP_RECVERR).
struct IcmpError {
    int error = 0;         // ECONNREFUSED for port unreachable, EHOSTUNREACH, ...
    std::uint8_t type = 0; // ICMP type and code as received
    std::uint8_t code = 0;
    std::string offender; // the address that sent the ICMP error
    std::string text;     // "Connection refused (ECONNREFUSED), ICMP 3/3 from 198.51.100.2"
};

std::ostream& operator<<(std::ostream& out, const IcmpError& error);

class UdpClient {
public:
    // A socket of family inside ns (null = the firewall itself). With sourcePort (and/or
    // sourceAddress) it is bound first, so that a test can keep its source port across
    // flows; otherwise the kernel picks one at the first send().
    UdpClient(const Netns* ns, Family family, std::optional<std::uint16_t> sourcePort = {},
              std::string_view sourceAddress = {});

    // Sends data to destination. The socket is connected to it, so that ICMP errors and
    // replies from only that peer are delivered.
    void send(const SocketAddress& destination, std::string_view data);
    // The next ICMP error, or nullopt if none arrived within timeout.
    std::optional<IcmpError> awaitError(milliseconds timeout);
    // The next datagram from the connected peer, or nullopt on timeout or if an ICMP error
    // arrived instead (awaitError() then reports it).
    std::optional<Datagram> receive(milliseconds timeout);

    // The client's address and port (after the first send() if not bound).
    SocketAddress localAddress() const;

private:
    UniqueFd fd_;
    std::optional<SocketAddress> connectedTo_;
};

} // namespace fwx::test
