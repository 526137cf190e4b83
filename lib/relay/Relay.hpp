// lib/relay: the user-mode relay of NO_KERNEL_MODE redirects and of data filters.
//
// Lives here: a TCP relay (a listener; per admitted client an outbound connection, the
// bytes spliced through a pipe per direction, with back-pressure, half-close and reset
// propagation) and a UDP relay (a flow table of connected outbound sockets with an idle
// timeout), both behind Relay; the admission policy they share; Reactor, the small
// event-loop interface they run on, which the daemon implements with sd-event; and
// RelayPool, which serves the domain's redirect::RelayBackend with one Relay per redirect.
// Depends on net/ and error/, and RelayPool alone on redirect/'s interfaces (as nft/
// implements NftBackend): no D-Bus, no sd-event.
//
// splice() has no MSG_NOSIGNAL: writing into a reset socket raises SIGPIPE. A process
// that relays must ignore or block SIGPIPE; the TCP relay refuses to start otherwise.
#pragma once

#include "net/Address.hpp"
#include "net/Endpoint.hpp"
#include "net/Prefix.hpp"
#include "net/Transport.hpp"
#include "relay/Connection.hpp"
#include "relay/ConnectionHandler.hpp"
#include "relay/Reactor.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace fwx::relay {

struct RelayOptions {
    net::Transport transport = net::Transport::Tcp;
    // Where clients connect (TCP) or send (UDP). Port 0: the kernel picks one.
    net::Endpoint internal;
    net::Endpoint target;
    // The outbound leg's local address (bound before connecting); none: the kernel's choice.
    std::optional<net::Address> proxyExternal;
    bool allowMultiple = false;
    // Clients from elsewhere are refused: TCP with a reset, UDP by dropping the datagram.
    std::optional<net::Prefix> allowedSource;
    // UDP: a flow with no datagram either way for this long is closed (like conntrack's
    // UDP timeouts). Ignored for TCP, whose connections end when their sides end them.
    std::chrono::milliseconds udpIdleTimeout{std::chrono::seconds(120)};
    // TCP only: once the target answered, both sockets go to the handler (onHandedOver)
    // instead of being relayed here; a data filter relays them itself.
    bool handOver = false;

    // Throws fwx::Error(InvalidArgument) unless every address is of one family, the
    // target's port is set, the idle timeout is positive and hand-over is for TCP.
    void validate() const;
};

// One user-mode redirect: a listening (TCP) or bound (UDP) socket on the internal address
// and the connections it relays to the target. Runs entirely on the Reactor's callbacks;
// the handler hears of every connection's establishment and end.
class Relay {
public:
    virtual ~Relay() = default;

    // Binds the internal endpoint and starts admitting. Throws fwx::Error: InvalidArgument
    // for bad options, Failed with the errno when the socket cannot be set up (e.g.
    // EADDRINUSE, EADDRNOTAVAIL), NotSupported when SIGPIPE is neither ignored nor blocked.
    static std::unique_ptr<Relay> open(Reactor& reactor, const RelayOptions& options,
                                       ConnectionHandler& handler);

    // The internal endpoint as bound (with the port the kernel picked for port 0).
    virtual net::Endpoint internal() const = 0;
    virtual bool admitting() const = 0;
    // No new clients; live connections go on. TCP closes the listener at once (new SYNs
    // are then refused by the kernel); UDP keeps its socket, which the live flows' replies
    // leave through, and closes it with the last of them.
    virtual void stopAdmitting() = 0;
    // Stops admitting and closes every live connection, each side with a reset, reporting
    // each as Cancelled.
    virtual void stop() = 0;

    // The live connections with their counters so far.
    virtual std::vector<Connection> connections() const = 0;
    // Clients turned away so far (spent single use, outside the allowed source).
    virtual std::uint64_t refused() const = 0;
    // Bytes read from one side and not yet written to the other: the relay's own
    // buffering, bounded by the pipes' capacity per connection (0 for UDP).
    virtual std::uint64_t buffered() const = 0;
};

} // namespace fwx::relay
