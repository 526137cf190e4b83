#pragma once

#include "error/Error.hpp"
#include "relay/CloseReason.hpp"
#include "relay/Connection.hpp"
#include "relay/UniqueFd.hpp"

namespace fwx::relay {

// What a relay reports, called on the loop. The handler must not throw (these run inside
// the loop's callbacks, in the middle of the relay's work) and must not destroy the relay
// that calls it; it may call stopAdmitting() and stop() on it.
class ConnectionHandler {
public:
    virtual ~ConnectionHandler() = default;

    // A client was admitted (a single-use permission is spent now), before the outbound
    // leg is opened: onClosed follows, and onEstablished first if the target answers.
    virtual void onAdmitted(const Connection& connection) noexcept = 0;
    // The target answered: TCP connect completed, or UDP's first reply datagram.
    virtual void onEstablished(const Connection& connection) noexcept = 0;
    // The connection is over and both its sockets are closed; connection has its final
    // counters. errnum: the errno behind Reset, Refused, ConnectFailed and Failed, else 0.
    // Called exactly once per admitted connection, also when it was never established,
    // and not for a connection still live when the relay is destroyed.
    virtual void onClosed(const Connection& connection, CloseReason reason,
                          int errnum) noexcept = 0;
    // A hand-over relay's connection (RelayOptions::handOver) once the target answered, in
    // place of onEstablished and onClosed: both sockets, blocking now, are the handler's;
    // the relay keeps no copy. connection has its source and established time.
    virtual void onHandedOver(const Connection& connection, UniqueFd client,
                              UniqueFd target) noexcept = 0;
    // Something failed that belongs to no connection (accepting, receiving on the
    // internal socket); the relay goes on, pausing briefly where retrying at once would
    // spin. For the log.
    virtual void onRelayError(const Error& error) noexcept = 0;
};

} // namespace fwx::relay
