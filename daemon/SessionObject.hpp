#pragma once

#include "daemon/BusArguments.hpp"
#include "daemon/SessionObjects.hpp"
#include "redirect/Action.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <org.fwxd.Session1-adaptor.h>
#include <sdbus-c++/sdbus-c++.h>

namespace fwx::daemon {

// org.fwxd.Session1 at /org/fwxd/Firewall1/session/N.
class SessionObject final : public sdbus::AdaptorInterfaces<org::fwxd::Session1_adaptor> {
public:
    SessionObject(sdbus::IConnection& connection, redirect::SessionId id, SessionObjects& sessions);
    ~SessionObject();
    SessionObject(const SessionObject&) = delete;
    SessionObject& operator=(const SessionObject&) = delete;

private:
    std::tuple<std::string, uint16_t, std::vector<sdbus::ObjectPath>> RedirectConnections(
        const std::vector<ConnectAddress>& connect_addresses, const std::string& internal_address,
        const std::string& proxy_external_address, const std::string& protocol,
        const uint32_t& flags, const std::string& protocol_guid, const Options& options) override;
    void Close() override;

    std::string Owner() override;
    PrimaryConnectionStruct PrimaryConnection() override;
    std::string Description() override;
    std::vector<sdbus::ObjectPath> Actions() override;

    const redirect::Session& readable();

    redirect::SessionId id_;
    SessionObjects& sessions_;
};

} // namespace fwx::daemon
