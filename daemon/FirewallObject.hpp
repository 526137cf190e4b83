#pragma once

#include "daemon/BusArguments.hpp"
#include "daemon/CallerGrants.hpp"
#include "daemon/ConnectFilterObjects.hpp"
#include "daemon/ConntrackEvents.hpp"
#include "daemon/SessionObjects.hpp"
#include "redirect/DataFilters.hpp"
#include "redirect/PortRange.hpp"
#include "redirect/ProtocolRegistry.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <org.fwxd.Firewall1-adaptor.h>
#include <sdbus-c++/sdbus-c++.h>

namespace fwx::daemon {

// What Firewall1's properties report; fixed at start from the configuration.
struct FirewallFacts {
    std::vector<net::Address> internalAddresses;
    redirect::PortRange portRange;
};

// org.fwxd.Firewall1 and the ObjectManager at /org/fwxd/Firewall1: where clients start.
// InterfacesAdded/Removed are not emitted for sessions and actions: they would broadcast
// connection details; GetManagedObjects (caller-checked) lists them.
class FirewallObject final
    : public sdbus::AdaptorInterfaces<org::fwxd::Firewall1_adaptor, sdbus::ObjectManager_adaptor> {
public:
    FirewallObject(sdbus::IConnection& connection, Callers& callers, CallerGrants& grants,
                   SessionObjects& sessions, ConnectFilterObjects& filters,
                   redirect::DataFilters& dataFilters, redirect::ProtocolRegistry& protocols,
                   const ConntrackEvents& events, FirewallFacts facts);
    ~FirewallObject();
    FirewallObject(const FirewallObject&) = delete;
    FirewallObject& operator=(const FirewallObject&) = delete;

private:
    // The methods answer once the caller's permissions are settled (CallerGrants).
    void OpenSession(sdbus::Result<sdbus::ObjectPath>&& result, Options options) override;
    void RegisterProtocol(sdbus::Result<>&& result, std::string guid, Options spec) override;
    void UnregisterProtocol(sdbus::Result<>&& result, std::string guid) override;
    void RegisterConnectFilter(sdbus::Result<sdbus::ObjectPath>&& result, std::string protocol_guid,
                               Options options) override;
    void RegisterDataFilter(sdbus::Result<>&& result, std::string protocol_guid,
                            sdbus::ObjectPath handler) override;

    void registerProtocol(const Caller& caller, const Grants& grants, const std::string& guid,
                          redirect::ProtocolSpec spec);

    // Calls body(caller, grants) once needed is settled for the caller of the method being
    // dispatched, and answers result with what it returns or throws.
    template <typename... Results, typename Body>
    void whenSettled(sdbus::Result<Results...>&& result, const std::vector<Permission>& needed,
                     Body body);

    std::string Version() override;
    std::vector<std::string> InternalAddresses() override;
    sdbus::Struct<uint16_t, uint16_t> PortRange() override;
    std::vector<sdbus::ObjectPath> Sessions() override;
    uint32_t ActiveRedirects() override;
    std::map<std::string, Options> Protocols() override;
    uint64_t EventResyncs() override;

    Callers& callers_;
    CallerGrants& grants_;
    SessionObjects& sessions_;
    ConnectFilterObjects& filters_;
    redirect::DataFilters& dataFilters_;
    redirect::ProtocolRegistry& protocols_;
    const ConntrackEvents& events_;
    FirewallFacts facts_;
};

} // namespace fwx::daemon
