#include "relay/Relay.hpp"

#include "error/Error.hpp"
#include "relay/TcpRelay.hpp"
#include "relay/UdpRelay.hpp"

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace fwx::relay {

namespace {

void requireFamily(net::Family family, net::Family expected, std::string_view what,
                   const std::string& text) {
    if (family != expected) {
        throwInvalid(fmt::format("{} {} is not an {} address like the internal address", what, text,
                                 net::toString(expected)));
    }
}

} // namespace

void RelayOptions::validate() const {
    const net::Family family = internal.family();
    requireFamily(target.family(), family, "target", target.toString());
    if (proxyExternal) {
        requireFamily(proxyExternal->family(), family, "proxy external address",
                      proxyExternal->toString());
    }
    if (allowedSource) {
        requireFamily(allowedSource->family(), family, "allowed source", allowedSource->toString());
    }
    if (target.port == 0) {
        throwInvalid("target " + target.toString() + " has no port");
    }
    if (handOver && transport != net::Transport::Tcp) {
        throwInvalid("only TCP connections can be handed over: a UDP flow has no socket of its "
                     "own on the client side");
    }
    if (udpIdleTimeout.count() <= 0) {
        throwInvalid("the UDP idle timeout must be positive");
    }
}

std::unique_ptr<Relay> Relay::open(Reactor& reactor, const RelayOptions& options,
                                   ConnectionHandler& handler) {
    if (options.transport == net::Transport::Tcp) {
        return std::make_unique<TcpRelay>(reactor, options, handler);
    }
    return std::make_unique<UdpRelay>(reactor, options, handler);
}

} // namespace fwx::relay
