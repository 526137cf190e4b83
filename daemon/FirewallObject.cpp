#include "daemon/FirewallObject.hpp"

#include "daemon/BusErrors.hpp"
#include "daemon/Log.hpp"
#include "daemon/LogFields.hpp"
#include "daemon/ObjectPaths.hpp"
#include "error/Error.hpp"
#include "fwx_build_config.h"

#include <map>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace fwx::daemon {

FirewallObject::FirewallObject(sdbus::IConnection& connection, Callers& callers,
                               CallerGrants& grants, SessionObjects& sessions,
                               ConnectFilterObjects& filters, redirect::DataFilters& dataFilters,
                               redirect::ProtocolRegistry& protocols, const ConntrackEvents& events,
                               FirewallFacts facts)
    : AdaptorInterfaces(connection, FirewallPath)
    , callers_(callers)
    , grants_(grants)
    , sessions_(sessions)
    , filters_(filters)
    , dataFilters_(dataFilters)
    , protocols_(protocols)
    , events_(events)
    , facts_(std::move(facts)) {
    registerAdaptor();
}

FirewallObject::~FirewallObject() {
    unregisterAdaptor();
}

namespace {
// " with helper ftp for tcp/21 of 198.51.100.7, 2001:db8::/64", or nothing.
std::string describeHelper(const redirect::ProtocolSpec& spec) {
    if (spec.helper.empty()) {
        return {};
    }
    std::vector<std::string> servers;
    for (const net::Prefix& server : spec.servers) {
        servers.push_back(server.toString());
    }
    return fmt::format(" with helper {} for {}/{} of {}", spec.helper,
                       net::toString(spec.transport), fmt::join(spec.primaryPorts, ","),
                       fmt::join(servers, ", "));
}
} // namespace

// The caller is read now: the continuation may run while another call is dispatched.
template <typename... Results, typename Body>
void FirewallObject::whenSettled(sdbus::Result<Results...>&& result,
                                 const std::vector<Permission>& needed, Body body) {
    auto call = std::make_shared<sdbus::Result<Results...>>(std::move(result));
    Caller caller;
    try {
        caller = callers_.current();
    } catch (...) {
        replyError(*call, std::current_exception());
        return;
    }
    grants_.settle(caller, needed, [call, caller, body = std::move(body)](const Grants& grants) {
        replying(*call, [&] { return body(caller, grants); });
    });
}

void FirewallObject::OpenSession(sdbus::Result<sdbus::ObjectPath>&& result, Options options) {
    whenSettled(std::move(result), {Permission::Redirect},
                [this, options = std::move(options)](const Caller& caller, const Grants& grants) {
                    grants.require(Permission::Redirect, "open a session");
                    return sessions_.openSession(caller, parseSessionOptions(options));
                });
}

// Administrators may also attach helpers and hold more protocols: both are settled.
void FirewallObject::RegisterProtocol(sdbus::Result<>&& result, std::string guid, Options options) {
    whenSettled(std::move(result), {Permission::RegisterProtocol, Permission::Admin},
                [this, guid = std::move(guid), options = std::move(options)](const Caller& caller,
                                                                             const Grants& grants) {
                    grants.require(Permission::RegisterProtocol, "register a protocol");
                    registerProtocol(caller, grants, guid, parseProtocolSpec(options));
                });
}

void FirewallObject::registerProtocol(const Caller& caller, const Grants& grants,
                                      const std::string& guid, redirect::ProtocolSpec spec) {
    if (!spec.helper.empty()) {
        grants.require(Permission::Admin, "register a protocol with a kernel helper");
    }
    const auto added = protocols_.add(guid, std::move(spec),
                                      {caller.uid, caller.name, grants.holds(Permission::Admin)});
    const redirect::Protocol& protocol = added.protocol;
    if (!added.isNew) {
        log::info(log::Event::ProtocolRegistered, callerFields(caller, protocol.guid),
                  "protocol {} registered again by {} (uid {}): unchanged", protocol.guid,
                  caller.name, caller.uid);
        return;
    }
    log::info(log::Event::ProtocolRegistered, callerFields(caller, protocol.guid),
              "protocol {} ({}) registered by {} (uid {}){}", protocol.guid,
              log::untrusted(protocol.spec.name), caller.name, caller.uid,
              describeHelper(protocol.spec));
}

void FirewallObject::UnregisterProtocol(sdbus::Result<>&& result, std::string guid) {
    whenSettled(
        std::move(result), {Permission::RegisterProtocol, Permission::Admin},
        [this, guid = std::move(guid)](const Caller& caller, const Grants& grants) {
            grants.require(Permission::RegisterProtocol, "unregister a protocol");
            const redirect::Protocol& protocol = protocols_.get(guid);
            grants.requireUserOwns(protocol.ownerUid, "unregister protocol " + protocol.guid);
            const std::string key = protocol.guid;
            protocols_.remove(key);
            log::info(log::Event::ProtocolUnregistered, callerFields(caller, key),
                      "protocol {} unregistered by {} (uid {})", key, caller.name, caller.uid);
        });
}

// A connect filter sees every session's redirects of its protocol: an administrator's act.
void FirewallObject::RegisterConnectFilter(sdbus::Result<sdbus::ObjectPath>&& result,
                                           std::string protocol_guid, Options options) {
    whenSettled(
        std::move(result), {Permission::Admin},
        [this, guid = std::move(protocol_guid),
         options = std::move(options)](const Caller& caller, const Grants& grants) {
            grants.require(Permission::Admin,
                           "register a connect filter (it sees every session's redirects of a "
                           "protocol)");
            if (!options.empty()) {
                throwInvalid(
                    fmt::format("options: unknown key \"{}\"; RegisterConnectFilter defines "
                                "none yet: pass an empty dictionary",
                                log::safeLine(options.begin()->first, 64)));
            }
            return filters_.add(caller, guid);
        });
}

// A data filter sees every session's connections of the protocol: an administrator's act.
void FirewallObject::RegisterDataFilter(sdbus::Result<>&& result, std::string protocol_guid,
                                        sdbus::ObjectPath handler) {
    whenSettled(std::move(result), {Permission::Admin},
                [this, guid = std::move(protocol_guid),
                 handler = std::move(handler)](const Caller& caller, const Grants& grants) {
                    grants.require(Permission::Admin, "register a data filter (it takes every "
                                                      "session's connections of a protocol)");
                    const redirect::DataFilter& filter =
                        dataFilters_.add({caller.name, caller.uid}, guid, handler);
                    log::info(log::Event::None, callerFields(caller, filter.protocolGuid),
                              "data filter for protocol {} registered by {} (uid {}), handler {}",
                              filter.protocolGuid, caller.name, caller.uid,
                              log::untrusted(filter.handler));
                });
}

std::string FirewallObject::Version() {
    return translatingErrors([&] {
        sessions_.authorize("read the version");
        return std::string(FWX_VERSION);
    });
}

std::vector<std::string> FirewallObject::InternalAddresses() {
    return translatingErrors([&] {
        sessions_.authorize("read the internal addresses");
        std::vector<std::string> addresses;
        for (const net::Address& address : facts_.internalAddresses) {
            addresses.push_back(address.toString());
        }
        return addresses;
    });
}

sdbus::Struct<uint16_t, uint16_t> FirewallObject::PortRange() {
    return translatingErrors([&] {
        sessions_.authorize("read the port range");
        return sdbus::Struct<uint16_t, uint16_t>(facts_.portRange.first(), facts_.portRange.last());
    });
}

std::vector<sdbus::ObjectPath> FirewallObject::Sessions() {
    return translatingErrors([&] {
        sessions_.authorize("list sessions");
        return sessions_.sessionPaths();
    });
}

uint32_t FirewallObject::ActiveRedirects() {
    return translatingErrors([&] {
        sessions_.authorize("count redirects");
        return static_cast<uint32_t>(sessions_.registry().activeRedirects());
    });
}

std::map<std::string, Options> FirewallObject::Protocols() {
    return translatingErrors([&] {
        sessions_.authorize("list protocols");
        std::map<std::string, Options> protocols;
        for (const auto& [guid, protocol] : protocols_.protocols()) {
            protocols.emplace(guid, describeProtocol(protocol));
        }
        return protocols;
    });
}

uint64_t FirewallObject::EventResyncs() {
    return translatingErrors([&] {
        sessions_.authorize("read the event resync counter");
        return events_.resyncs();
    });
}

} // namespace fwx::daemon
