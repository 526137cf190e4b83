#pragma once

#include "relay/Admission.hpp"
#include "relay/Graveyard.hpp"
#include "relay/Relay.hpp"
#include "relay/Sockets.hpp"
#include "relay/TcpFlow.hpp"
#include "relay/UniqueFd.hpp"

#include <map>
#include <memory>

namespace fwx::relay {

// The TCP relay: listens on the internal endpoint, and for each client the admission
// lets through opens a TcpFlow to the target; the rest get a reset right after accept()
// (the kernel completed their handshake before anyone could decide).
class TcpRelay final : public Relay {
public:
    // Throws as Relay::open says.
    TcpRelay(Reactor& reactor, const RelayOptions& options, ConnectionHandler& handler);
    TcpRelay(const TcpRelay&) = delete;
    TcpRelay& operator=(const TcpRelay&) = delete;
    ~TcpRelay() override;

    net::Endpoint internal() const override { return internal_; }
    bool admitting() const override { return !admission_.stopped(); }
    void stopAdmitting() override;
    void stop() override;
    std::vector<Connection> connections() const override;
    std::uint64_t refused() const override { return admission_.refused(); }
    std::uint64_t buffered() const override;

private:
    void onListener();
    void admit(Accepted accepted);
    void pauseAccepting(const Error& error);
    void resumeAccepting();
    void retire(ConnectionId id);

    Reactor& reactor_;
    RelayOptions options_;
    ConnectionHandler& handler_;
    Admission admission_;
    UniqueFd listener_;
    net::Endpoint internal_;
    std::unique_ptr<Reactor::Watch> listenerWatch_;
    std::unique_ptr<Reactor::Timer> acceptRetry_;
    Graveyard<TcpFlow> graveyard_;
    std::map<ConnectionId, std::unique_ptr<TcpFlow>> flows_;
    ConnectionId nextId_ = 1;
};

} // namespace fwx::relay
