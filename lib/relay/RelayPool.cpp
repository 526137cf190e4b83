#include "relay/RelayPool.hpp"

#include <string>
#include <utility>
#include <vector>

namespace fwx::relay {

namespace {

// A relayed connection in conntrack's terms: the client leg's original direction, the
// outbound leg's reply direction. Byte counts only: a relay sees no packets.
redirect::Flow flowOf(const Connection& connection) {
    redirect::Flow flow;
    flow.id = static_cast<std::uint32_t>(connection.id);
    flow.transport = connection.transport;
    flow.client = connection.client;
    flow.internal = connection.internal;
    flow.target = connection.target;
    flow.source = connection.source;
    flow.established = connection.established.has_value();
    flow.fromClient.bytes = connection.bytes.fromClient;
    flow.fromTarget.bytes = connection.bytes.fromTarget;
    return flow;
}

} // namespace

RelayPool::RelayPool(Reactor& reactor, redirect::RelayEvents& events, HandOverSink& handOvers,
                     std::chrono::milliseconds udpIdleTimeout)
    : reactor_(reactor)
    , events_(events)
    , handOvers_(handOvers)
    , udpIdleTimeout_(udpIdleTimeout) {
}

// Relays destroyed with live connections reset them without reporting: nobody is left to
// hear it.
RelayPool::~RelayPool() = default;

RelayOptions RelayPool::optionsFor(const redirect::Redirect& redirect) const {
    RelayOptions options;
    options.transport = redirect.transport;
    options.internal = redirect.internal;
    options.target = redirect.target;
    options.proxyExternal = redirect.snatSource;
    options.allowMultiple = !redirect.singleUse;
    if (!redirect.allowedSource.isAny()) {
        options.allowedSource = redirect.allowedSource;
    }
    options.udpIdleTimeout = udpIdleTimeout_;
    options.handOver = redirect.handOver;
    return options;
}

// All or none: a relay that cannot bind (the port was taken since it was checked) takes the
// ones opened before it down with it; none of them has admitted anyone yet.
void RelayPool::addGroup(const redirect::RedirectGroup& group) {
    std::vector<std::pair<Key, std::unique_ptr<Relay>>> opened;
    opened.reserve(group.redirects.size());
    for (const redirect::Redirect& redirect : group.redirects) {
        opened.emplace_back(Key{redirect.transport, redirect.internal},
                            Relay::open(reactor_, optionsFor(redirect), *this));
    }
    for (auto& [key, relay] : opened) {
        relays_.insert_or_assign(key, std::move(relay));
    }
}

void RelayPool::stopAdmitting(const redirect::Redirect& redirect) noexcept {
    if (const auto it = relays_.find({redirect.transport, redirect.internal});
        it != relays_.end()) {
        it->second->stopAdmitting();
    }
}

void RelayPool::remove(const redirect::Redirect& redirect) noexcept {
    const auto it = relays_.find({redirect.transport, redirect.internal});
    if (it == relays_.end()) {
        return;
    }
    it->second->stop(); // reports each live connection Cancelled
    relays_.erase(it);
}

std::size_t RelayPool::connections() const {
    std::size_t live = 0;
    for (const auto& [key, relay] : relays_) {
        live += relay->connections().size();
    }
    return live;
}

void RelayPool::onAdmitted(const Connection& connection) noexcept {
    events_.onRelayed({redirect::FlowEventType::New, flowOf(connection)});
}

void RelayPool::onEstablished(const Connection& connection) noexcept {
    events_.onRelayed({redirect::FlowEventType::Update, flowOf(connection)});
}

void RelayPool::onClosed(const Connection& connection, CloseReason reason,
                         int /*errnum*/) noexcept {
    redirect::Flow flow = flowOf(connection);
    flow.endReason = std::string(toString(reason));
    events_.onRelayed({redirect::FlowEventType::Destroy, std::move(flow)});
}

void RelayPool::onHandedOver(const Connection& connection, UniqueFd client,
                             UniqueFd target) noexcept {
    handOvers_.onHandedOver(flowOf(connection), std::move(client), std::move(target));
}

void RelayPool::onRelayError(const Error& error) noexcept {
    events_.onRelayError(error);
}

} // namespace fwx::relay
