#include "relay/UdpFlow.hpp"

#include "error/Error.hpp"
#include "relay/Sockets.hpp"

#include <cerrno>
#include <utility>

namespace fwx::relay {

namespace {

// Datagrams per readiness callback, so that one busy target cannot hold the loop.
constexpr int receiveBudget = 64;

bool transient(int errnum) {
    return errnum == EAGAIN || errnum == EWOULDBLOCK || errnum == EINTR || errnum == ENOBUFS ||
           errnum == ENOMEM || errnum == EMSGSIZE;
}

// ICMP errors the kernel reports on a connected UDP socket.
CloseReason reasonFor(int errnum) {
    switch (errnum) {
    case ECONNREFUSED:
        return CloseReason::Refused;
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENONET:
    case EACCES:
    case EPERM:
        return CloseReason::ConnectFailed;
    default:
        return CloseReason::Failed;
    }
}

} // namespace

UdpFlow::UdpFlow(Reactor& reactor, ConnectionHandler& handler, const Connection& connection,
                 int replySocket, std::span<std::uint8_t> buffer, Ended onEnded)
    : reactor_(reactor)
    , handler_(handler)
    , onEnded_(std::move(onEnded))
    , connection_(connection)
    , replySocket_(replySocket)
    , buffer_(buffer)
    , clientLength_(connection_.client.toSockaddr(clientAddress_))
    , lastActivity_(connection_.started) {
}

void UdpFlow::start(const std::optional<net::Address>& source) {
    int errnum = 0;
    try {
        target_ = outboundSocket(net::Transport::Udp, connection_.target.family(), source);
        errnum = startConnect(target_.get(), connection_.target);
        if (errnum == 0) {
            connection_.source = localEndpoint(target_.get());
            targetWatch_ = reactor_.watch(target_.get(), [this](IoEvents) { onTarget(); });
            targetWatch_->want({.readable = true});
        }
    } catch (const Error& e) {
        errnum = e.errnum() != 0 ? e.errnum() : EIO;
    }
    if (errnum != 0) {
        end(CloseReason::ConnectFailed, errnum);
    }
}

void UdpFlow::fromClient(std::span<const std::uint8_t> datagram) {
    if (ended_) {
        return;
    }
    const ssize_t n = ::send(target_.get(), datagram.data(), datagram.size(), MSG_DONTWAIT);
    if (n < 0) {
        failed(errno);
        return;
    }
    connection_.bytes.fromClient += static_cast<std::uint64_t>(n);
    lastActivity_ = reactor_.now();
}

void UdpFlow::onTarget() {
    for (int i = 0; i < receiveBudget && !ended_; ++i) {
        const ssize_t n = ::recv(target_.get(), buffer_.data(), buffer_.size(), MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return;
            }
            failed(errno);
            continue;
        }
        lastActivity_ = reactor_.now();
        if (!connection_.established) {
            connection_.established = lastActivity_;
            handler_.onEstablished(connection_);
        }
        toClient(static_cast<std::size_t>(n));
    }
}

void UdpFlow::toClient(std::size_t length) {
    if (ended_) { // the handler may have stopped the relay
        return;
    }
    const ssize_t n = ::sendto(replySocket_, buffer_.data(), length, MSG_DONTWAIT,
                               reinterpret_cast<const sockaddr*>(&clientAddress_), clientLength_);
    if (n >= 0) {
        connection_.bytes.fromTarget += static_cast<std::uint64_t>(n);
    }
    // A reply the client cannot take is lost like any datagram: the client's ICMP errors
    // reach the relay's unconnected socket only as noise, and clients come and go.
}

void UdpFlow::failed(int errnum) {
    if (!transient(errnum)) {
        end(reasonFor(errnum), errnum);
    }
}

void UdpFlow::end(CloseReason reason, int errnum) {
    if (ended_) {
        return;
    }
    ended_ = true;
    targetWatch_.reset();
    target_.reset();
    onEnded_(connection_.client);
    handler_.onClosed(connection_, reason, errnum);
}

} // namespace fwx::relay
