#include "relay/TcpRelay.hpp"

#include "error/Error.hpp"
#include "relay/Sockets.hpp"

#include <chrono>
#include <csignal>
#include <utility>

namespace fwx::relay {

namespace {

// Per readiness callback, so that a flood of connections cannot hold the loop.
constexpr int acceptBudget = 64;
// After EMFILE and the like: retrying at once would spin on a listener that stays readable.
constexpr std::chrono::milliseconds acceptPause{100};

// splice() into a reset socket raises SIGPIPE, which would end the process.
void requireSigpipeHarmless() {
    struct sigaction action {};
    sigset_t blocked;
    sigemptyset(&blocked);
    if (::sigaction(SIGPIPE, nullptr, &action) == 0 && action.sa_handler == SIG_IGN) {
        return;
    }
    if (::pthread_sigmask(SIG_BLOCK, nullptr, &blocked) == 0 && sigismember(&blocked, SIGPIPE)) {
        return;
    }
    throw Error(ErrorCode::NotSupported,
                "the TCP relay needs SIGPIPE ignored or blocked (splice() raises it)");
}

UniqueFd listenChecked(const RelayOptions& options) {
    options.validate();
    requireSigpipeHarmless();
    return listenTcp(options.internal);
}

} // namespace

TcpRelay::TcpRelay(Reactor& reactor, const RelayOptions& options, ConnectionHandler& handler)
    : reactor_(reactor)
    , options_(options)
    , handler_(handler)
    , admission_(options_.allowMultiple, options_.allowedSource)
    , listener_(listenChecked(options_))
    , internal_(localEndpoint(listener_.get()))
    , listenerWatch_(reactor.watch(listener_.get(), [this](IoEvents) { onListener(); }))
    , acceptRetry_(reactor.timer([this] { resumeAccepting(); }))
    , graveyard_(reactor) {
    listenerWatch_->want({.readable = true});
}

// Live flows reset both their sides (~TcpFlow) and are not reported: the handler may be
// gone already. Call stop() first to have them reported.
TcpRelay::~TcpRelay() = default;

void TcpRelay::onListener() {
    for (int i = 0; i < acceptBudget && listener_; ++i) {
        std::optional<Accepted> accepted;
        try {
            accepted = acceptClient(listener_.get());
        } catch (const Error& e) {
            pauseAccepting(e);
            return;
        }
        if (!accepted) {
            return;
        }
        admit(std::move(*accepted));
    }
}

void TcpRelay::admit(Accepted accepted) {
    if (admission_.admit(accepted.client.address) != Admission::Verdict::Admitted) {
        resetOnClose(accepted.socket.get());
        return;
    }
    const ConnectionId id = nextId_++;
    Connection connection{.id = id,
                          .transport = net::Transport::Tcp,
                          .client = accepted.client,
                          .internal = internal_,
                          .target = options_.target,
                          .source = {},
                          .started = reactor_.now(),
                          .established = std::nullopt,
                          .bytes = {}};
    auto flow =
        std::make_unique<TcpFlow>(reactor_, handler_, connection, std::move(accepted.socket),
                                  [this](ConnectionId ended) { retire(ended); });
    TcpFlow& started = *flow;
    flows_.emplace(id, std::move(flow));
    handler_.onAdmitted(connection);
    started.start(options_.proxyExternal, options_.handOver);
}

void TcpRelay::pauseAccepting(const Error& error) {
    handler_.onRelayError(error);
    listenerWatch_->want({});
    acceptRetry_->arm(reactor_.now() + acceptPause);
}

void TcpRelay::resumeAccepting() {
    if (listener_) {
        listenerWatch_->want({.readable = true});
    }
}

void TcpRelay::stopAdmitting() {
    admission_.stop();
    listenerWatch_.reset();
    acceptRetry_->arm(std::nullopt);
    listener_.reset();
}

void TcpRelay::stop() {
    stopAdmitting();
    std::vector<ConnectionId> live;
    live.reserve(flows_.size());
    for (const auto& [id, flow] : flows_) {
        live.push_back(id);
    }
    // By id, not by iterator: each cancel reports, and the handler may stop us again.
    for (const ConnectionId id : live) {
        if (const auto found = flows_.find(id); found != flows_.end()) {
            found->second->cancel();
        }
    }
}

void TcpRelay::retire(ConnectionId id) {
    const auto found = flows_.find(id);
    if (found == flows_.end()) {
        return;
    }
    graveyard_.bury(std::move(found->second));
    flows_.erase(found);
}

std::vector<Connection> TcpRelay::connections() const {
    std::vector<Connection> live;
    live.reserve(flows_.size());
    for (const auto& [id, flow] : flows_) {
        live.push_back(flow->snapshot());
    }
    return live;
}

std::uint64_t TcpRelay::buffered() const {
    std::uint64_t total = 0;
    for (const auto& [id, flow] : flows_) {
        total += flow->buffered();
    }
    return total;
}

} // namespace fwx::relay
