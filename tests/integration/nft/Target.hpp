// A server in the lab's server namespace that redirects point at, and a client's attempts
// to reach it through the firewall, for TCP and UDP alike.
#pragma once

#include "lab/Lab.hpp"
#include "lab/SocketAddress.hpp"
#include "lab/TcpServer.hpp"
#include "lab/UdpServer.hpp"
#include "lab/UniqueFd.hpp"
#include "net/Transport.hpp"

#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace fwx::test {

// Where an attempt starts: a namespace (null = the firewall itself) and an optional
// source address and port.
struct Client {
    const Netns* ns = nullptr;
    std::string sourceAddress;
    std::optional<std::uint16_t> sourcePort;
};

class Target {
public:
    Target(const Lab& lab, Family family, net::Transport transport);

    SocketAddress address() const;

    // A TCP connection whose payload comes back, or a UDP datagram that the target gets
    // and whose reply reaches the client. seenAs receives the client's address as the
    // target saw it, clientSide the client's own address and port (the connection's
    // original source, as conntrack keys it). TCP with keepOpen: the client's socket stays
    // open there (the target has echoed and closed its side), and the connection with it.
    ::testing::AssertionResult reachedVia(const SocketAddress& internal, const Client& client,
                                          std::optional<SocketAddress>* seenAs = nullptr,
                                          std::optional<SocketAddress>* clientSide = nullptr,
                                          UniqueFd* keepOpen = nullptr);
    // A TCP reset, or an ICMP port unreachable for a datagram.
    ::testing::AssertionResult refusedVia(const SocketAddress& internal, const Client& client);

private:
    ::testing::AssertionResult tcpReached(const SocketAddress& internal, const Client& client,
                                          std::optional<SocketAddress>* seenAs,
                                          std::optional<SocketAddress>* clientSide,
                                          UniqueFd* keepOpen);
    ::testing::AssertionResult udpReached(const SocketAddress& internal, const Client& client,
                                          std::optional<SocketAddress>* seenAs,
                                          std::optional<SocketAddress>* clientSide);

    Family family_;
    std::unique_ptr<TcpServer> tcp_;
    std::unique_ptr<UdpServer> udp_;
};

} // namespace fwx::test
