#include "TcpServer.hpp"

#include "relay/Sockets.hpp"

#include <optional>
#include <utility>

namespace fwx::relay::test {

TcpServer::TcpServer(Reactor& reactor, const net::Endpoint& at)
    : reactor_(reactor)
    , listener_(listenTcp(at))
    , endpoint_(localEndpoint(listener_.get()))
    , watch_(reactor.watch(listener_.get(), [this](IoEvents) { acceptAll(); })) {
    watch_->want({.readable = true});
}

void TcpServer::acceptAll() {
    while (std::optional<Accepted> accepted = acceptClient(listener_.get())) {
        peers_.push_back(std::make_unique<StreamPeer>(reactor_, std::move(accepted->socket)));
        onAccept(*peers_.back());
    }
}

} // namespace fwx::relay::test
