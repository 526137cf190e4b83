#pragma once

#include "net/Endpoint.hpp"
#include "relay/CloseReason.hpp"
#include "relay/Connection.hpp"
#include "relay/ConnectionHandler.hpp"
#include "relay/Reactor.hpp"
#include "relay/UniqueFd.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>

#include <sys/socket.h>

namespace fwx::relay {

// One client of a UDP relay: a socket connected to the target (so that the kernel
// delivers only the target's datagrams to it, and its ICMP errors), the client's
// datagrams sent on through it, the target's sent back to the client from the relay's
// own socket, which the client sent to. Ends when the target is unreachable, when idle
// for too long, or when cancelled; then tells the handler and calls onEnded.
class UdpFlow {
public:
    using Ended = std::function<void(const net::Endpoint& client)>;

    // replySocket: the relay's bound socket; buffer: where datagrams are received, shared
    // by every flow of the loop's thread. Both outlive the flow's live part.
    UdpFlow(Reactor& reactor, ConnectionHandler& handler, const Connection& connection,
            int replySocket, std::span<std::uint8_t> buffer, Ended onEnded);
    UdpFlow(const UdpFlow&) = delete;
    UdpFlow& operator=(const UdpFlow&) = delete;

    // Opens the outbound socket, bound to source when given, and connects it. May end
    // the flow at once. Call once.
    void start(const std::optional<net::Address>& source);
    // A datagram from the client, sent on to the target; one the kernel cannot take now
    // is dropped, as a router would.
    void fromClient(std::span<const std::uint8_t> datagram);
    void expire() { end(CloseReason::IdleTimeout, 0); }
    void cancel() { end(CloseReason::Cancelled, 0); }

    std::chrono::steady_clock::time_point lastActivity() const noexcept { return lastActivity_; }
    const Connection& snapshot() const noexcept { return connection_; }

private:
    void onTarget();
    void toClient(std::size_t length);
    // A send or receive failed: an ICMP error of the target, or a local one.
    void failed(int errnum);
    void end(CloseReason reason, int errnum);

    Reactor& reactor_;
    ConnectionHandler& handler_;
    Ended onEnded_;
    Connection connection_;
    int replySocket_;
    std::span<std::uint8_t> buffer_;
    sockaddr_storage clientAddress_{};
    socklen_t clientLength_ = 0;
    std::chrono::steady_clock::time_point lastActivity_;
    bool ended_ = false;
    UniqueFd target_; // declared before its watch, which goes first
    std::unique_ptr<Reactor::Watch> targetWatch_;
};

} // namespace fwx::relay
