#pragma once

#include "net/Endpoint.hpp"
#include "net/Transport.hpp"
#include "redirect/RelayBackend.hpp"
#include "relay/ConnectionHandler.hpp"
#include "relay/Reactor.hpp"
#include "relay/Relay.hpp"

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <utility>

namespace fwx::relay {

// Where a data filter's connections go once their target answered (Redirect::handOver).
class HandOverSink {
public:
    virtual ~HandOverSink() = default;
    // flow: the connection as an established Update event would say it. Called on the
    // loop, inside the relay's work: keep the sockets and act on them later.
    virtual void onHandedOver(const redirect::Flow& flow, UniqueFd client,
                              UniqueFd target) noexcept = 0;
};

// The domain's user-mode redirects (redirect::RelayBackend) on Relay: one Relay per
// redirect, found by transport and internal endpoint. What the relays report goes to
// redirect::RelayEvents as the FlowEvents conntrack would send for a kernel-mode redirect.
// The one file of lib/relay that knows redirect/: the relays themselves do not.
class RelayPool final : public redirect::RelayBackend, private ConnectionHandler {
public:
    // udpIdleTimeout: a relayed UDP flow with no datagram either way for this long ends.
    RelayPool(Reactor& reactor, redirect::RelayEvents& events, HandOverSink& handOvers,
              std::chrono::milliseconds udpIdleTimeout);
    RelayPool(const RelayPool&) = delete;
    RelayPool& operator=(const RelayPool&) = delete;
    ~RelayPool() override;

    void addGroup(const redirect::RedirectGroup& group) override;
    void stopAdmitting(const redirect::Redirect& redirect) noexcept override;
    void remove(const redirect::Redirect& redirect) noexcept override;

    std::size_t relays() const noexcept { return relays_.size(); }
    // Live connections over every relay.
    std::size_t connections() const;

private:
    using Key = std::pair<net::Transport, net::Endpoint>;

    RelayOptions optionsFor(const redirect::Redirect& redirect) const;

    void onAdmitted(const Connection& connection) noexcept override;
    void onEstablished(const Connection& connection) noexcept override;
    void onClosed(const Connection& connection, CloseReason reason, int errnum) noexcept override;
    void onHandedOver(const Connection& connection, UniqueFd client,
                      UniqueFd target) noexcept override;
    void onRelayError(const Error& error) noexcept override;

    Reactor& reactor_;
    redirect::RelayEvents& events_;
    HandOverSink& handOvers_;
    std::chrono::milliseconds udpIdleTimeout_;
    std::map<Key, std::unique_ptr<Relay>> relays_;
};

} // namespace fwx::relay
