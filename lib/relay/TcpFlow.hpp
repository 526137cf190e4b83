#pragma once

#include "relay/CloseReason.hpp"
#include "relay/Connection.hpp"
#include "relay/ConnectionHandler.hpp"
#include "relay/Reactor.hpp"
#include "relay/Splicer.hpp"
#include "relay/UniqueFd.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

namespace fwx::relay {

// One relayed TCP connection: the accepted client socket, the outbound connection to the
// target, and a Splicer each way once that connection is up. Ends when both directions
// are done (each side closed its sending half and the other got all of it), when either
// side resets (the other then gets a reset too), when the target cannot be reached, or
// when cancelled; then closes both sockets, tells the handler, and calls onEnded for its
// owner to free it (not at once: see Graveyard).
class TcpFlow {
public:
    using Ended = std::function<void(ConnectionId)>;

    // connection: id, client, internal, target and start filled in.
    TcpFlow(Reactor& reactor, ConnectionHandler& handler, const Connection& connection,
            UniqueFd client, Ended onEnded);
    TcpFlow(const TcpFlow&) = delete;
    TcpFlow& operator=(const TcpFlow&) = delete;
    // A flow destroyed while live resets both sides: a plain close would tell them the
    // stream ended normally.
    ~TcpFlow();

    // Opens the outbound leg, bound to source when given, and starts connecting. May end
    // the flow at once (e.g. a bind or connect error). With handOver, the connected
    // sockets go to the handler (onHandedOver) instead of being relayed. Call once.
    void start(const std::optional<net::Address>& source, bool handOver = false);
    // Resets both sides and ends the flow as Cancelled; nothing if it ended already.
    void cancel();

    // The connection with its counters so far.
    Connection snapshot() const;
    std::uint64_t buffered() const noexcept;

private:
    enum class State : std::uint8_t { Connecting, Relaying, Ended };

    void watchBoth();
    void onClient(IoEvents ready);
    void onTarget(IoEvents ready);
    void connected();
    void handOver();
    void relay();
    void end(CloseReason reason, int errnum, bool reset);

    Reactor& reactor_;
    ConnectionHandler& handler_;
    Ended onEnded_;
    Connection connection_;
    State state_ = State::Connecting;
    bool handOver_ = false;
    // Declared before their watches, so that a watch goes before its descriptor does.
    UniqueFd client_;
    UniqueFd target_;
    std::unique_ptr<Reactor::Watch> clientWatch_;
    std::unique_ptr<Reactor::Watch> targetWatch_;
    std::optional<Splicer> upstream_;   // client -> target
    std::optional<Splicer> downstream_; // target -> client
};

} // namespace fwx::relay
