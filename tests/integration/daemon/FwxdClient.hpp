// fwx::test::FwxdClient: one client connection to fwxd through the generated proxies, and
// the signals it receives.
//
// The connection is driven from the test's own thread: calls are synchronous, and signals
// are dispatched while the test waits for one (waitForSignal) or for a barrier (sync).
// No event-loop thread competes with the test for the connection, so what a test observes
// does not depend on thread scheduling.
#pragma once

#include "SignalRecorder.hpp"
#include "lab/Deadline.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <org.fwxd.Action1-proxy.h>
#include <org.fwxd.Firewall1-proxy.h>
#include <org.fwxd.Session1-proxy.h>
#include <sdbus-c++/sdbus-c++.h>

namespace fwx::test {

using Options = std::map<std::string, sdbus::Variant>;
using ConnectAddress = sdbus::Struct<std::string, std::uint16_t>;

inline constexpr const char* FwxdName = "org.fwxd.Firewall1";
inline constexpr const char* FirewallPath = "/org/fwxd/Firewall1";

// RedirectConnections flags.
inline constexpr std::uint32_t AllowMultiple = 0x1;
inline constexpr std::uint32_t TimeoutFlag = 0x2;
inline constexpr std::uint32_t NoKernelMode = 0x4;

class FirewallProxy final
    : public sdbus::ProxyInterfaces<org::fwxd::Firewall1_proxy, sdbus::ObjectManager_proxy> {
public:
    // Records RedirectCreated (argument: the action's path; connection: its info).
    FirewallProxy(sdbus::IConnection& connection, SignalRecorder& recorder);
    ~FirewallProxy();
    FirewallProxy(const FirewallProxy&) = delete;
    FirewallProxy& operator=(const FirewallProxy&) = delete;

private:
    void onRedirectCreated(const sdbus::ObjectPath& action, const Options& info) override;
    void onInterfacesAdded(const sdbus::ObjectPath& path,
                           const std::map<std::string, Options>& interfaces) override;
    void onInterfacesRemoved(const sdbus::ObjectPath& path,
                             const std::vector<std::string>& interfaces) override;

    SignalRecorder& recorder_;
};

class SessionProxy final : public sdbus::ProxyInterfaces<org::fwxd::Session1_proxy> {
public:
    SessionProxy(sdbus::IConnection& connection, const sdbus::ObjectPath& path);
    ~SessionProxy();
    SessionProxy(const SessionProxy&) = delete;
    SessionProxy& operator=(const SessionProxy&) = delete;
};

// Records Established, Closed, Expired and PropertiesChanged of one action.
class ActionProxy final
    : public sdbus::ProxyInterfaces<org::fwxd::Action1_proxy, sdbus::Properties_proxy> {
public:
    ActionProxy(sdbus::IConnection& connection, const sdbus::ObjectPath& path,
                SignalRecorder& recorder);
    ~ActionProxy();
    ActionProxy(const ActionProxy&) = delete;
    ActionProxy& operator=(const ActionProxy&) = delete;

private:
    void record(const std::string& member, std::string argument, Options connection = {});
    void onEstablished(const Options& connection) override;
    void onClosed(const Options& connection) override;
    void onExpired(const std::string& reason) override;
    void onFinished(const std::string& state, const uint32_t& connections) override;
    void onPropertiesChanged(const std::string& interfaceName, const Options& changed,
                             const std::vector<std::string>& invalidated) override;

    SignalRecorder& recorder_;
};

// What RedirectConnections returned.
struct Redirected {
    std::string internalAddress;
    std::uint16_t basePort = 0;
    std::vector<sdbus::ObjectPath> actions;
};

// The arguments of RedirectConnections besides the targets, with the common defaults.
struct RedirectRequest {
    std::string internalAddress;
    std::string proxyExternalAddress;
    std::string protocol = "tcp";
    std::uint32_t flags = 0;
    std::string protocolGuid;
    Options options;
};

class FwxdClient {
public:
    explicit FwxdClient(const std::string& busAddress);
    ~FwxdClient();
    FwxdClient(const FwxdClient&) = delete;
    FwxdClient& operator=(const FwxdClient&) = delete;

    std::string uniqueName() const { return connection_->getUniqueName(); }
    sdbus::IConnection& connection() { return *connection_; }

    FirewallProxy& firewall() { return *firewall_; }
    SessionProxy& session(const sdbus::ObjectPath& path);
    // Subscribes to the action's signals on first use.
    ActionProxy& action(const sdbus::ObjectPath& path);
    // Drops the proxy of a session or action that has gone, so that a long-running client
    // does not keep one for every object it ever used.
    void forget(const sdbus::ObjectPath& path);

    sdbus::ObjectPath openSession(const Options& options = {});
    // RedirectConnections on session; subscribes to the signals of the new actions.
    Redirected redirect(const sdbus::ObjectPath& session,
                        const std::vector<ConnectAddress>& targets,
                        const RedirectRequest& request = {});
    // The same without subscribing: the bus allows a connection a few hundred match rules,
    // far fewer than the actions of the largest requests.
    Redirected redirectUnsubscribed(const sdbus::ObjectPath& session,
                                    const std::vector<ConnectAddress>& targets,
                                    const RedirectRequest& request = {});

    const SignalRecorder& signals() const { return recorder_; }
    // Dispatches incoming messages until a signal of path with member (and argument, unless
    // nullopt) has been received, or timeout.
    ::testing::AssertionResult waitForSignal(const std::string& path, const std::string& member,
                                             const std::optional<std::string>& argument,
                                             milliseconds timeout);
    // How many such signals were received so far.
    std::size_t received(const std::string& path, const std::string& member,
                         const std::optional<std::string>& argument = std::nullopt) const;
    // Returns once every message the bus sent this connection before the call has been
    // dispatched: the client sends itself a signal and waits for it, and the bus delivers
    // in order.
    void sync();
    // Dispatches what has arrived, waiting up to timeout for more; true if found() became
    // true. A timeout of 0 dispatches what is there and returns found().
    bool dispatchUntil(const std::function<bool()>& found, milliseconds timeout);

private:
    std::unique_ptr<sdbus::IConnection> connection_;
    SignalRecorder recorder_;
    std::unique_ptr<FirewallProxy> firewall_;
    std::map<std::string, std::unique_ptr<SessionProxy>> sessions_;
    std::map<std::string, std::unique_ptr<ActionProxy>> actions_;
    std::unique_ptr<sdbus::IObject> barrierObject_;
    sdbus::Slot barrierMatch_;
    std::uint32_t barrierSent_ = 0;
    std::uint32_t barrierSeen_ = 0;
};

// For EXPECT_TRUE(failsWith([&] { ... }, "org.fwxd.Error.InvalidArgument")): the call
// throws an sdbus::Error of that name; the message says what it did instead.
::testing::AssertionResult failsWith(const std::function<void()>& call, std::string_view name);

// A property Get on path fails because the object does not exist (any more).
::testing::AssertionResult objectGone(sdbus::IConnection& connection, const std::string& path,
                                      const std::string& interface);

} // namespace fwx::test
