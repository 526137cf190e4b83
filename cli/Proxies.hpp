// Client-side objects of fwxd's D-Bus API, over the proxies generated from dbus/*.xml.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <org.fwxd.Action1-proxy.h>
#include <org.fwxd.Firewall1-proxy.h>
#include <org.fwxd.Session1-proxy.h>
#include <sdbus-c++/sdbus-c++.h>

namespace fwx::cli {

inline constexpr const char* ServiceName = "org.fwxd.Firewall1";
inline constexpr const char* FirewallPath = "/org/fwxd/Firewall1";
inline constexpr const char* ActionPathPrefix = "/org/fwxd/Firewall1/action/";

using Properties = std::map<std::string, sdbus::Variant>;

// /org/fwxd/Firewall1: Firewall1 and the standard ObjectManager.
class FirewallProxy final
    : public sdbus::ProxyInterfaces<org::fwxd::Firewall1_proxy, sdbus::ObjectManager_proxy> {
public:
    explicit FirewallProxy(sdbus::IConnection& connection);
    ~FirewallProxy();
    FirewallProxy(const FirewallProxy&) = delete;
    FirewallProxy& operator=(const FirewallProxy&) = delete;

private:
    // fwxctl registers no connect filter: RedirectCreated never reaches it.
    void onRedirectCreated(const sdbus::ObjectPath& /*action*/,
                           const Properties& /*info*/) override {}
    void onInterfacesAdded(const sdbus::ObjectPath& /*objectPath*/,
                           const std::map<std::string, Properties>& /*interfaces*/) override {}
    void onInterfacesRemoved(const sdbus::ObjectPath& /*objectPath*/,
                             const std::vector<std::string>& /*interfaces*/) override {}
};

// /org/fwxd/Firewall1/session/N
class SessionProxy final : public sdbus::ProxyInterfaces<org::fwxd::Session1_proxy> {
public:
    SessionProxy(sdbus::IConnection& connection, const sdbus::ObjectPath& path);
    ~SessionProxy();
    SessionProxy(const SessionProxy&) = delete;
    SessionProxy& operator=(const SessionProxy&) = delete;
};

// What an ActionProxy reports; every callback is optional.
struct ActionEvents {
    std::function<void(const Properties&)> established;
    std::function<void(const Properties&)> closed;
    std::function<void(const std::string& reason)> expired;
    // The action's last signal: its final State and Connections.
    std::function<void(const std::string& state, std::uint32_t connections)> finished;
    // PropertiesChanged of org.fwxd.Action1: the changed values (State, ExpiresAt, ...).
    std::function<void(const Properties&)> changed;
};

// /org/fwxd/Firewall1/action/N, with its signals (unicast to the session owner) and the
// PropertiesChanged of its State.
class ActionProxy final
    : public sdbus::ProxyInterfaces<org::fwxd::Action1_proxy, sdbus::Properties_proxy> {
public:
    ActionProxy(sdbus::IConnection& connection, const sdbus::ObjectPath& path,
                ActionEvents events = {});
    ~ActionProxy();
    ActionProxy(const ActionProxy&) = delete;
    ActionProxy& operator=(const ActionProxy&) = delete;

private:
    void onEstablished(const Properties& connection) override;
    void onClosed(const Properties& connection) override;
    void onExpired(const std::string& reason) override;
    void onFinished(const std::string& state, const uint32_t& connections) override;
    void onPropertiesChanged(const std::string& interfaceName, const Properties& changed,
                             const std::vector<std::string>& invalidated) override;

    ActionEvents events_;
};

} // namespace fwx::cli
