#include "StreamPeer.hpp"

#include "error/Error.hpp"
#include "relay/Sockets.hpp"

#include <array>
#include <cerrno>
#include <utility>

#include <poll.h>
#include <sys/socket.h>

namespace fwx::relay::test {

namespace {

net::Endpoint peerOf(int socket) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getpeername(socket, reinterpret_cast<sockaddr*>(&address), &length) < 0) {
        throwSystemError("reading a test socket's peer", errno);
    }
    return net::Endpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&address), length);
}

} // namespace

StreamPeer::StreamPeer(Reactor& reactor, UniqueFd socket)
    : socket_(std::move(socket))
    , local_(localEndpoint(socket_.get()))
    , remote_(peerOf(socket_.get()))
    , watch_(reactor.watch(socket_.get(), [this](IoEvents ready) { onReady(ready); })) {
    rewatch();
}

std::unique_ptr<StreamPeer> StreamPeer::connect(Reactor& reactor, const net::Endpoint& to,
                                                const std::optional<net::Address>& from,
                                                int* errnum) {
    UniqueFd socket = outboundSocket(net::Transport::Tcp, to.family(), from);
    int failure = startConnect(socket.get(), to);
    if (failure == 0) {
        pollfd waiting{socket.get(), POLLOUT, 0};
        if (::poll(&waiting, 1, 5000) != 1) {
            throwSystemError("waiting for a test connection", ETIMEDOUT);
        }
        failure = pendingError(socket.get());
    }
    if (errnum != nullptr) {
        *errnum = failure;
    }
    if (failure != 0) {
        return nullptr;
    }
    return std::make_unique<StreamPeer>(reactor, std::move(socket));
}

void StreamPeer::send(const std::string& bytes) {
    outgoing_ += bytes;
    writeAll();
    rewatch();
}

void StreamPeer::shutdownWhenSent() {
    shutdownWanted_ = true;
    writeAll();
    rewatch();
}

void StreamPeer::pauseReading(bool paused) {
    paused_ = paused;
    rewatch();
}

void StreamPeer::reset() {
    watch_.reset();
    resetOnClose(socket_.get());
    socket_.reset();
}

void StreamPeer::onReady(IoEvents ready) {
    if (ready.readable) {
        readAll();
    }
    if (ready.writable) {
        writeAll();
    }
    rewatch();
}

void StreamPeer::readAll() {
    std::array<char, 65536> buffer{};
    while (!paused_ && !ended_ && error_ == 0) {
        const ssize_t n = ::recv(socket_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n > 0) {
            received_.append(buffer.data(), static_cast<std::size_t>(n));
        } else if (n == 0) {
            ended_ = true;
        } else if (errno != EINTR) {
            error_ = errno == EAGAIN || errno == EWOULDBLOCK ? 0 : errno;
            return;
        }
    }
}

void StreamPeer::writeAll() {
    while (unsent() > 0 && error_ == 0) {
        const ssize_t n =
            ::send(socket_.get(), outgoing_.data() + sent_, unsent(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                error_ = errno;
            }
            return;
        }
        sent_ += static_cast<std::size_t>(n);
    }
    if (unsent() == 0 && shutdownWanted_ && !shutDown_ && error_ == 0) {
        shutDown_ = ::shutdown(socket_.get(), SHUT_WR) == 0;
    }
}

void StreamPeer::rewatch() {
    if (watch_) {
        const bool live = error_ == 0;
        watch_->want({.readable = live && !paused_ && !ended_, .writable = live && unsent() > 0});
    }
}

} // namespace fwx::relay::test
