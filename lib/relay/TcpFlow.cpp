#include "relay/TcpFlow.hpp"

#include "error/Error.hpp"
#include "relay/Pipe.hpp"
#include "relay/Sockets.hpp"

#include <cerrno>
#include <cstddef>
#include <utility>

namespace fwx::relay {

namespace {

// Per direction and callback: enough for throughput, small enough that one busy
// connection cannot keep the loop from the others for long.
constexpr std::size_t budget = std::size_t{256} * 1024;

// Errors that mean the connection broke (reset by the peer, or given up on by TCP), as
// opposed to the relay itself failing.
CloseReason reasonFor(int errnum) {
    switch (errnum) {
    case ECONNRESET:
    case EPIPE:
    case ENOTCONN:
    case ETIMEDOUT:
    case EHOSTUNREACH:
    case ENETUNREACH:
        return CloseReason::Reset;
    default:
        return CloseReason::Failed;
    }
}

} // namespace

TcpFlow::TcpFlow(Reactor& reactor, ConnectionHandler& handler, const Connection& connection,
                 UniqueFd client, Ended onEnded)
    : reactor_(reactor)
    , handler_(handler)
    , onEnded_(std::move(onEnded))
    , connection_(connection)
    , client_(std::move(client)) {
}

TcpFlow::~TcpFlow() {
    if (state_ == State::Ended) {
        return;
    }
    resetOnClose(client_.get());
    if (target_) {
        resetOnClose(target_.get());
    }
}

void TcpFlow::start(const std::optional<net::Address>& source, bool handOver) {
    handOver_ = handOver;
    int errnum = 0;
    try {
        target_ = outboundSocket(net::Transport::Tcp, connection_.target.family(), source);
        errnum = startConnect(target_.get(), connection_.target);
        if (errnum == 0) {
            watchBoth();
        }
    } catch (const Error& e) {
        errnum = e.errnum() != 0 ? e.errnum() : EIO;
    }
    if (errnum != 0) {
        end(errnum == ECONNREFUSED ? CloseReason::Refused : CloseReason::ConnectFailed, errnum,
            true);
    }
}

// The client is not read until the target answered: there would be nowhere to put it.
void TcpFlow::watchBoth() {
    clientWatch_ = reactor_.watch(client_.get(), [this](IoEvents ready) { onClient(ready); });
    targetWatch_ = reactor_.watch(target_.get(), [this](IoEvents ready) { onTarget(ready); });
    targetWatch_->want({.writable = true});
}

void TcpFlow::cancel() {
    end(CloseReason::Cancelled, 0, true);
}

void TcpFlow::onClient(IoEvents ready) {
    if (ready.readable) {
        upstream_->sourceReady();
    }
    if (ready.writable) {
        downstream_->destinationReady();
    }
    relay();
}

void TcpFlow::onTarget(IoEvents ready) {
    if (state_ == State::Connecting) {
        connected();
        return;
    }
    if (ready.readable) {
        downstream_->sourceReady();
    }
    if (ready.writable) {
        upstream_->destinationReady();
    }
    relay();
}

void TcpFlow::connected() {
    const int errnum = pendingError(target_.get());
    if (errnum != 0) {
        end(errnum == ECONNREFUSED ? CloseReason::Refused : CloseReason::ConnectFailed, errnum,
            true);
        return;
    }
    if (handOver_) {
        handOver();
        return;
    }
    try {
        connection_.source = localEndpoint(target_.get());
        upstream_.emplace(Pipe::open());
        downstream_.emplace(Pipe::open());
    } catch (const Error& e) {
        end(CloseReason::Failed, e.errnum(), true);
        return;
    }
    state_ = State::Relaying;
    connection_.established = reactor_.now();
    handler_.onEstablished(connection_);
    if (state_ == State::Relaying) { // the handler may have stopped the relay
        relay();
    }
}

// The handler gets blocking sockets: a data filter in another process reads and writes
// them as it likes, and the non-blocking flag is shared by every copy of a descriptor.
void TcpFlow::handOver() {
    try {
        connection_.source = localEndpoint(target_.get());
        setBlocking(client_.get());
        setBlocking(target_.get());
    } catch (const Error& e) {
        end(CloseReason::Failed, e.errnum(), true);
        return;
    }
    connection_.established = reactor_.now();
    state_ = State::Ended;
    clientWatch_.reset();
    targetWatch_.reset();
    UniqueFd client = std::move(client_);
    UniqueFd target = std::move(target_);
    onEnded_(connection_.id);
    handler_.onHandedOver(connection_, std::move(client), std::move(target));
}

void TcpFlow::relay() {
    int errnum = upstream_->run(client_.get(), target_.get(), budget);
    if (errnum == 0) {
        errnum = downstream_->run(target_.get(), client_.get(), budget);
    }
    if (errnum != 0) {
        end(reasonFor(errnum), errnum, true);
        return;
    }
    if (upstream_->done() && downstream_->done()) {
        end(CloseReason::Finished, 0, false);
        return;
    }
    clientWatch_->want(
        {.readable = upstream_->wantsSource(), .writable = downstream_->wantsDestination()});
    targetWatch_->want(
        {.readable = downstream_->wantsSource(), .writable = upstream_->wantsDestination()});
}

// The watches go first (the Reactor allows a callback to destroy its own), then the
// sockets, so that the peers learn of the end now and not when the memory is reaped.
void TcpFlow::end(CloseReason reason, int errnum, bool reset) {
    if (state_ == State::Ended) {
        return;
    }
    connection_ = snapshot();
    state_ = State::Ended;
    clientWatch_.reset();
    targetWatch_.reset();
    if (reset) {
        resetOnClose(client_.get());
        if (target_) {
            resetOnClose(target_.get());
        }
    }
    client_.reset();
    target_.reset();
    upstream_.reset();
    downstream_.reset();
    onEnded_(connection_.id);
    handler_.onClosed(connection_, reason, errnum);
}

Connection TcpFlow::snapshot() const {
    Connection now = connection_;
    if (upstream_ && downstream_) {
        now.bytes = {upstream_->delivered(), downstream_->delivered()};
    }
    return now;
}

std::uint64_t TcpFlow::buffered() const noexcept {
    return (upstream_ ? upstream_->buffered() : 0) + (downstream_ ? downstream_->buffered() : 0);
}

} // namespace fwx::relay
