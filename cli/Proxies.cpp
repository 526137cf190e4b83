#include "cli/Proxies.hpp"

#include <utility>

namespace fwx::cli {

FirewallProxy::FirewallProxy(sdbus::IConnection& connection)
    : ProxyInterfaces(connection, ServiceName, FirewallPath) {
    registerProxy();
}

FirewallProxy::~FirewallProxy() {
    unregisterProxy();
}

SessionProxy::SessionProxy(sdbus::IConnection& connection, const sdbus::ObjectPath& path)
    : ProxyInterfaces(connection, ServiceName, path) {
    registerProxy();
}

SessionProxy::~SessionProxy() {
    unregisterProxy();
}

ActionProxy::ActionProxy(sdbus::IConnection& connection, const sdbus::ObjectPath& path,
                         ActionEvents events)
    : ProxyInterfaces(connection, ServiceName, path)
    , events_(std::move(events)) {
    registerProxy();
}

ActionProxy::~ActionProxy() {
    unregisterProxy();
}

void ActionProxy::onEstablished(const Properties& connection) {
    if (events_.established) {
        events_.established(connection);
    }
}

void ActionProxy::onClosed(const Properties& connection) {
    if (events_.closed) {
        events_.closed(connection);
    }
}

void ActionProxy::onExpired(const std::string& reason) {
    if (events_.expired) {
        events_.expired(reason);
    }
}

void ActionProxy::onFinished(const std::string& state, const uint32_t& connections) {
    if (events_.finished) {
        events_.finished(state, connections);
    }
}

void ActionProxy::onPropertiesChanged(const std::string& interfaceName, const Properties& changed,
                                      const std::vector<std::string>& /*invalidated*/) {
    if (interfaceName == org::fwxd::Action1_proxy::INTERFACE_NAME && events_.changed) {
        events_.changed(changed);
    }
}

} // namespace fwx::cli
