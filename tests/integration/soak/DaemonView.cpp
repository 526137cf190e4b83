#include "DaemonView.hpp"

#include <chrono>
#include <optional>
#include <stdexcept>

namespace fwx::test::soak {

namespace {

using Properties = std::map<std::string, sdbus::Variant>;

template <typename T> T property(const Properties& properties, const std::string& name) {
    const auto it = properties.find(name);
    if (it == properties.end()) {
        throw std::runtime_error("GetManagedObjects lacks property " + name);
    }
    return it->second.get<T>();
}

ActionView actionOf(const sdbus::ObjectPath& path, const Properties& p) {
    ActionView a;
    a.path = path;
    a.internalAddress = property<std::string>(p, "InternalAddress");
    a.internalPort = property<std::uint16_t>(p, "InternalPort");
    a.connectAddress = property<std::string>(p, "ConnectAddress");
    a.connectPort = property<std::uint16_t>(p, "ConnectPort");
    a.proxyExternalAddress = property<std::string>(p, "ProxyExternalAddress");
    a.protocol = property<std::string>(p, "Protocol");
    a.flags = property<std::uint32_t>(p, "Flags");
    a.mode = property<std::string>(p, "Mode");
    a.expected = property<bool>(p, "Expected");
    a.noExpectationReason = property<std::string>(p, "NoExpectationReason");
    a.state = property<std::string>(p, "State");
    a.expiresAt = property<std::uint64_t>(p, "ExpiresAt");
    a.connections = property<std::uint32_t>(p, "Connections");
    return a;
}

SessionView sessionOf(const sdbus::ObjectPath& path, const Properties& p) {
    SessionView s;
    s.path = path;
    s.owner = property<std::string>(p, "Owner");
    s.primary = property<PrimaryStruct>(p, "PrimaryConnection");
    s.description = property<std::string>(p, "Description");
    s.actions = property<std::vector<sdbus::ObjectPath>>(p, "Actions");
    return s;
}

} // namespace

// GetManagedObjects and the Firewall1 properties are asked for at once and answered in that
// order (one connection): one round trip through the bus instead of three.
DaemonView DaemonView::read(FwxdClient& observer) {
    DaemonView view;
    view.readAt = SteadyClock::now();
    using Managed = std::map<sdbus::ObjectPath, std::map<std::string, Properties>>;
    std::optional<Managed> managed;
    std::optional<Properties> firewall;
    std::optional<sdbus::Error> failure;
    const auto failed = [&](const sdbus::Error* error) {
        if (error != nullptr && !failure) {
            failure = *error;
        }
        return error != nullptr;
    };
    auto proxy = sdbus::createProxy(observer.connection(), FwxdName, FirewallPath);
    proxy->callMethodAsync("GetManagedObjects")
        .onInterface("org.freedesktop.DBus.ObjectManager")
        .uponReplyInvoke([&](const sdbus::Error* error, Managed objects) {
            if (!failed(error)) {
                managed = std::move(objects);
            }
        });
    proxy->callMethodAsync("GetAll")
        .onInterface("org.freedesktop.DBus.Properties")
        .withArguments(std::string("org.fwxd.Firewall1"))
        .uponReplyInvoke([&](const sdbus::Error* error, Properties properties) {
            if (!failed(error)) {
                firewall = std::move(properties);
            }
        });
    const bool answered = observer.dispatchUntil([&] { return failure || (managed && firewall); },
                                                 std::chrono::seconds(25));
    if (failure) {
        throw *failure;
    }
    if (!answered) {
        throw std::runtime_error("fwxd did not answer GetManagedObjects and GetAll in 25 s");
    }
    for (const auto& [path, interfaces] : *managed) {
        if (const auto action = interfaces.find("org.fwxd.Action1"); action != interfaces.end()) {
            view.actions.emplace(path, actionOf(path, action->second));
        }
        if (const auto session = interfaces.find("org.fwxd.Session1");
            session != interfaces.end()) {
            view.sessions.emplace(path, sessionOf(path, session->second));
        }
    }
    view.sessionsProperty = property<std::vector<sdbus::ObjectPath>>(*firewall, "Sessions");
    view.activeRedirects = property<std::uint32_t>(*firewall, "ActiveRedirects");
    using Specs = std::map<std::string, Properties>;
    for (const auto& [guid, spec] : property<Specs>(*firewall, "Protocols")) {
        view.protocols.emplace(guid, ProtocolView{property<std::string>(spec, "Transport"),
                                                  property<std::uint32_t>(spec, "Owner")});
    }
    return view;
}

} // namespace fwx::test::soak
