// The relays' target in the TCP tests: a listener on the loop that accepts every
// connection into a StreamPeer and lets the test set each one up as it arrives.
#pragma once

#include "EpollReactor.hpp"
#include "StreamPeer.hpp"
#include "net/Endpoint.hpp"
#include "relay/UniqueFd.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

namespace fwx::relay::test {

class TcpServer {
public:
    TcpServer(Reactor& reactor, const net::Endpoint& at);

    net::Endpoint endpoint() const { return endpoint_; }
    std::size_t count() const noexcept { return peers_.size(); }
    StreamPeer& peer(std::size_t index) { return *peers_.at(index); }

    std::function<void(StreamPeer&)> onAccept = [](StreamPeer&) {
    };

private:
    void acceptAll();

    Reactor& reactor_;
    UniqueFd listener_;
    net::Endpoint endpoint_;
    std::unique_ptr<Reactor::Watch> watch_;
    std::vector<std::unique_ptr<StreamPeer>> peers_;
};

} // namespace fwx::relay::test
