#include "relay/UdpRelay.hpp"

#include "error/Error.hpp"
#include "relay/Sockets.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <utility>
#include <vector>

#include <sys/socket.h>

namespace fwx::relay {

namespace {

// Datagrams per readiness callback, so that a flood cannot hold the loop.
constexpr int receiveBudget = 64;

// Every relay on the loop's thread receives into this one buffer: a datagram is sent on
// before the next is received, and 64 KiB per redirect would add up.
std::span<std::uint8_t> datagramBuffer() {
    thread_local std::array<std::uint8_t, 65536> buffer{};
    return buffer;
}

UniqueFd bindChecked(const RelayOptions& options) {
    options.validate();
    return bindUdp(options.internal);
}

} // namespace

UdpRelay::UdpRelay(Reactor& reactor, const RelayOptions& options, ConnectionHandler& handler)
    : reactor_(reactor)
    , options_(options)
    , handler_(handler)
    , admission_(options_.allowMultiple, options_.allowedSource)
    , buffer_(datagramBuffer())
    , socket_(bindChecked(options_))
    , internal_(localEndpoint(socket_.get()))
    , socketWatch_(reactor.watch(socket_.get(), [this](IoEvents) { onSocket(); }))
    , idleTimer_(reactor.timer([this] { onIdleTimer(); }))
    , graveyard_(reactor) {
    socketWatch_->want({.readable = true});
}

// Live flows are closed without being reported: the handler may be gone already.
UdpRelay::~UdpRelay() = default;

void UdpRelay::onSocket() {
    for (int i = 0; i < receiveBudget && socket_; ++i) {
        sockaddr_storage address{};
        socklen_t length = sizeof address;
        const ssize_t n = ::recvfrom(socket_.get(), buffer_.data(), buffer_.size(), MSG_DONTWAIT,
                                     reinterpret_cast<sockaddr*>(&address), &length);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                handler_.onRelayError(
                    Error(ErrorCode::Failed, "receiving on " + internal_.toString(), errno));
            }
            return;
        }
        const net::Endpoint client =
            net::Endpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&address), length);
        fromClient(client, buffer_.first(static_cast<std::size_t>(n)));
    }
}

void UdpRelay::fromClient(const net::Endpoint& client, std::span<const std::uint8_t> datagram) {
    auto found = flows_.find(client);
    if (found == flows_.end()) {
        if (admission_.admit(client.address) != Admission::Verdict::Admitted) {
            return;
        }
        open(client);
        found = flows_.find(client); // gone again if it could not start
    }
    if (found != flows_.end()) {
        found->second->fromClient(datagram);
    }
}

void UdpRelay::open(const net::Endpoint& client) {
    const auto now = reactor_.now();
    Connection connection{.id = nextId_++,
                          .transport = net::Transport::Udp,
                          .client = client,
                          .internal = internal_,
                          .target = options_.target,
                          .source = {},
                          .started = now,
                          .established = std::nullopt,
                          .bytes = {}};
    auto flow = std::make_unique<UdpFlow>(reactor_, handler_, connection, socket_.get(), buffer_,
                                          [this](const net::Endpoint& ended) { retire(ended); });
    UdpFlow& started = *flow;
    flows_.emplace(client, std::move(flow));
    armIdleTimer();
    handler_.onAdmitted(connection);
    started.start(options_.proxyExternal);
}

void UdpRelay::retire(const net::Endpoint& client) {
    const auto found = flows_.find(client);
    if (found == flows_.end()) {
        return;
    }
    graveyard_.bury(std::move(found->second));
    flows_.erase(found);
    closeSocketOnceUnused();
}

void UdpRelay::stopAdmitting() {
    admission_.stop();
    closeSocketOnceUnused();
}

// The live flows' replies leave through the socket: it closes with the last of them.
void UdpRelay::closeSocketOnceUnused() {
    if (admission_.stopped() && flows_.empty()) {
        socketWatch_.reset();
        socket_.reset();
        idleTimer_->arm(std::nullopt);
        idleArmed_.reset();
    }
}

void UdpRelay::stop() {
    stopAdmitting();
    std::vector<net::Endpoint> live;
    live.reserve(flows_.size());
    for (const auto& [client, flow] : flows_) {
        live.push_back(client);
    }
    // By key, not by iterator: each cancel reports, and the handler may stop us again.
    for (const net::Endpoint& client : live) {
        if (const auto found = flows_.find(client); found != flows_.end()) {
            found->second->cancel();
        }
    }
}

// Activity only moves deadlines later, so the timer may fire early, never late: then it
// looks again and re-arms for the earliest deadline left.
void UdpRelay::armIdleTimer() {
    if (idleArmed_ || flows_.empty()) {
        return;
    }
    std::optional<std::chrono::steady_clock::time_point> earliest;
    for (const auto& [client, flow] : flows_) {
        const auto deadline = flow->lastActivity() + options_.udpIdleTimeout;
        earliest = earliest ? std::min(*earliest, deadline) : deadline;
    }
    idleArmed_ = earliest;
    idleTimer_->arm(earliest);
}

void UdpRelay::onIdleTimer() {
    idleArmed_.reset();
    const auto now = reactor_.now();
    std::vector<net::Endpoint> idle;
    for (const auto& [client, flow] : flows_) {
        if (now - flow->lastActivity() >= options_.udpIdleTimeout) {
            idle.push_back(client);
        }
    }
    for (const net::Endpoint& client : idle) {
        if (const auto found = flows_.find(client); found != flows_.end()) {
            found->second->expire();
        }
    }
    armIdleTimer();
}

std::vector<Connection> UdpRelay::connections() const {
    std::vector<Connection> live;
    live.reserve(flows_.size());
    for (const auto& [client, flow] : flows_) {
        live.push_back(flow->snapshot());
    }
    return live;
}

} // namespace fwx::relay
