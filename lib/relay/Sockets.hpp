#pragma once

#include "net/Address.hpp"
#include "net/Endpoint.hpp"
#include "net/Transport.hpp"
#include "relay/UniqueFd.hpp"

#include <optional>

namespace fwx::relay {

// The relays' sockets: all non-blocking and close-on-exec. What creates a socket throws
// fwx::Error(Failed) naming the call, the endpoint and the errno; what acts on a live
// connection returns an errno instead, because there a failure ends only that connection.

// Listens on at (SO_REUSEADDR, so that a port whose last connection is in TIME_WAIT can be
// used again; IPv6 sockets are IPv6-only).
UniqueFd listenTcp(const net::Endpoint& at);
UniqueFd bindUdp(const net::Endpoint& at);

struct Accepted {
    UniqueFd socket;
    net::Endpoint client;
};
// The next connection the listener has queued, nullopt when none is. Retries the errors
// accept(2) passes on from an already failed connection. Throws fwx::Error(Failed) for
// the rest (EMFILE, ENFILE, ENOBUFS, ENOMEM).
std::optional<Accepted> acceptClient(int listener);

// An unconnected socket of the outbound leg, bound to source when given. TCP leaves the
// port to connect() (IP_BIND_ADDRESS_NO_PORT), so that one source address can serve as
// many connections as there are distinct targets times ports.
UniqueFd outboundSocket(net::Transport transport, net::Family family,
                        const std::optional<net::Address>& source);
// connect(): 0 when connected or under way (EINPROGRESS), else the errno.
int startConnect(int socket, const net::Endpoint& target) noexcept;
// SO_ERROR: the outcome of a non-blocking connect, or an asynchronous error (0: none).
int pendingError(int socket) noexcept;

// getsockname(); throws fwx::Error(Failed).
net::Endpoint localEndpoint(int socket);

// Clears O_NONBLOCK; throws fwx::Error(Failed).
void setBlocking(int socket);

// SO_LINGER with a zero timeout: closing the socket then sends a reset, not a FIN.
void resetOnClose(int socket) noexcept;

} // namespace fwx::relay
