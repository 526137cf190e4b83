#include "DatagramPeer.hpp"

#include "error/Error.hpp"
#include "relay/Sockets.hpp"

#include <array>
#include <cerrno>

#include <sys/socket.h>

namespace fwx::relay::test {

DatagramPeer::DatagramPeer(Reactor& reactor, const net::Endpoint& at, bool echo)
    : echo_(echo)
    , socket_(bindUdp(at))
    , endpoint_(localEndpoint(socket_.get()))
    , watch_(reactor.watch(socket_.get(), [this](IoEvents) { receiveAll(); })) {
    watch_->want({.readable = true});
}

void DatagramPeer::sendTo(const net::Endpoint& to, const std::string& payload) {
    sockaddr_storage address{};
    const socklen_t length = to.toSockaddr(address);
    if (::sendto(socket_.get(), payload.data(), payload.size(), 0,
                 reinterpret_cast<const sockaddr*>(&address), length) < 0) {
        throwSystemError("sending a test datagram", errno);
    }
}

void DatagramPeer::receiveAll() {
    std::array<char, 65536> buffer{};
    for (;;) {
        sockaddr_storage address{};
        socklen_t length = sizeof address;
        const ssize_t n = ::recvfrom(socket_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT,
                                     reinterpret_cast<sockaddr*>(&address), &length);
        if (n < 0) {
            return;
        }
        const net::Endpoint from =
            net::Endpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&address), length);
        received_.push_back({std::string(buffer.data(), static_cast<std::size_t>(n)), from});
        if (echo_) {
            sendTo(from, received_.back().payload);
        }
    }
}

} // namespace fwx::relay::test
