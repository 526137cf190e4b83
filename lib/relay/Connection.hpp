#pragma once

#include "net/Endpoint.hpp"
#include "net/Transport.hpp"

#include <chrono>
#include <cstdint>
#include <optional>

namespace fwx::relay {

// Unique within one relay, counting from 1 in the order clients were admitted.
using ConnectionId = std::uint64_t;

// Payload bytes delivered each way. A user-mode relay sees no packets: the two legs are
// separate connections whose segments have nothing to do with each other.
struct ByteCounters {
    std::uint64_t fromClient = 0; // written to the target
    std::uint64_t fromTarget = 0; // written to the client

    auto operator<=>(const ByteCounters&) const = default;
};

// One relayed connection, in the terms of redirect::Flow: client -> internal is what the
// client connected to, source -> target the outbound leg (source is the proxy external
// address when one was given, else whatever the kernel chose).
struct Connection {
    ConnectionId id = 0;
    net::Transport transport = net::Transport::Tcp;
    net::Endpoint client;
    net::Endpoint internal;
    net::Endpoint target;
    net::Endpoint source; // port 0 until the outbound leg is connected
    // TCP: accepted; UDP: the client's first datagram arrived.
    std::chrono::steady_clock::time_point started;
    // TCP: the outbound connect succeeded; UDP: the target's first datagram arrived.
    std::optional<std::chrono::steady_clock::time_point> established;
    ByteCounters bytes;
};

} // namespace fwx::relay
