#pragma once

#include "net/Endpoint.hpp"
#include "relay/Admission.hpp"
#include "relay/Graveyard.hpp"
#include "relay/Relay.hpp"
#include "relay/UdpFlow.hpp"
#include "relay/UniqueFd.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <span>

namespace fwx::relay {

// The UDP relay: a socket bound to the internal endpoint and a flow table keyed by the
// client's address and port. The first datagram of a client the admission lets through
// opens its UdpFlow; datagrams of clients it does not are dropped. One timer, armed for
// the earliest possible idle deadline, closes the flows that went quiet.
class UdpRelay final : public Relay {
public:
    // Throws as Relay::open says.
    UdpRelay(Reactor& reactor, const RelayOptions& options, ConnectionHandler& handler);
    UdpRelay(const UdpRelay&) = delete;
    UdpRelay& operator=(const UdpRelay&) = delete;
    ~UdpRelay() override;

    net::Endpoint internal() const override { return internal_; }
    bool admitting() const override { return !admission_.stopped(); }
    void stopAdmitting() override;
    void stop() override;
    std::vector<Connection> connections() const override;
    std::uint64_t refused() const override { return admission_.refused(); }
    std::uint64_t buffered() const override { return 0; }

private:
    void onSocket();
    void fromClient(const net::Endpoint& client, std::span<const std::uint8_t> datagram);
    void open(const net::Endpoint& client);
    void retire(const net::Endpoint& client);
    void closeSocketOnceUnused();
    void onIdleTimer();
    void armIdleTimer();

    Reactor& reactor_;
    RelayOptions options_;
    ConnectionHandler& handler_;
    Admission admission_;
    std::span<std::uint8_t> buffer_;
    UniqueFd socket_;
    net::Endpoint internal_;
    std::unique_ptr<Reactor::Watch> socketWatch_;
    std::unique_ptr<Reactor::Timer> idleTimer_;
    std::optional<std::chrono::steady_clock::time_point> idleArmed_;
    Graveyard<UdpFlow> graveyard_;
    std::map<net::Endpoint, std::unique_ptr<UdpFlow>> flows_;
    ConnectionId nextId_ = 1;
};

} // namespace fwx::relay
