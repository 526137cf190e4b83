#include "daemon/FirewallObject.hpp"

#include "daemon/BusErrors.hpp"
#include "daemon/Log.hpp"
#include "daemon/ObjectPaths.hpp"
#include "error/Error.hpp"
#include "fwx_build_config.h"

#include <utility>

namespace fwx::daemon {

FirewallObject::FirewallObject(sdbus::IConnection& connection, SessionObjects& sessions,
                               redirect::ProtocolRegistry& protocols, const ConntrackEvents& events,
                               FirewallFacts facts)
    : AdaptorInterfaces(connection, FirewallPath)
    , sessions_(sessions)
    , protocols_(protocols)
    , events_(events)
    , facts_(std::move(facts)) {
    registerAdaptor();
}

FirewallObject::~FirewallObject() {
    unregisterAdaptor();
}

sdbus::ObjectPath FirewallObject::OpenSession(const Options& options) {
    return translatingErrors([&] {
        const Caller caller = sessions_.authorize("open a session");
        return sessions_.openSession(caller, parseSessionOptions(options));
    });
}

void FirewallObject::RegisterProtocol(const std::string& guid, const Options& spec) {
    translatingErrors([&] {
        const Caller caller = sessions_.authorize("register a protocol");
        const redirect::Protocol& protocol =
            protocols_.add(guid, parseProtocolSpec(spec), caller.name);
        log::info("protocol {} ({}) registered by {}", protocol.guid,
                  log::untrusted(protocol.spec.name), caller.name);
    });
}

void FirewallObject::UnregisterProtocol(const std::string& guid) {
    translatingErrors([&] {
        const Caller caller = sessions_.authorize("unregister a protocol");
        const redirect::Protocol& protocol = protocols_.get(guid);
        sessions_.authorizer().checkOwner(caller.uid, caller.name, protocol.owner,
                                          "unregister protocol " + protocol.guid);
        log::info("protocol {} unregistered by {}", protocol.guid, caller.name);
        protocols_.remove(guid);
    });
}

// Connect and data filters arrive with user mode (the relay); until then, say so.
sdbus::ObjectPath FirewallObject::RegisterConnectFilter(const std::string& /*protocol_guid*/,
                                                        const Options& /*options*/) {
    return translatingErrors([&]() -> sdbus::ObjectPath {
        sessions_.authorize("register a connect filter");
        throw Error(ErrorCode::NotSupported, "connect filters are not supported yet");
    });
}

void FirewallObject::RegisterDataFilter(const std::string& /*protocol_guid*/,
                                        const sdbus::ObjectPath& /*handler*/) {
    translatingErrors([&] {
        sessions_.authorize("register a data filter");
        throw Error(ErrorCode::NotSupported,
                    "data filters (user-mode redirects) are not supported yet");
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

uint64_t FirewallObject::EventResyncs() {
    return translatingErrors([&] {
        sessions_.authorize("read the event resync counter");
        return events_.resyncs();
    });
}

} // namespace fwx::daemon
