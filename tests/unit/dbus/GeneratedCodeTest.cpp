// Compiles every header sdbus-c++-xml2cpp generates from dbus/*.xml and pins the C++
// signatures the generator derives from the contract: a change of a D-Bus signature in the
// XML fails here, at compile time, before it reaches the daemon or a client. Nothing is put
// on a bus. (fwxd_dbus_dep makes the generated headers system headers, see dbus/meson.build.)
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>
#include <org.fwxd.Action1-adaptor.h>
#include <org.fwxd.Action1-proxy.h>
#include <org.fwxd.DataFilter1-adaptor.h>
#include <org.fwxd.DataFilter1-proxy.h>
#include <org.fwxd.Firewall1-adaptor.h>
#include <org.fwxd.Firewall1-proxy.h>
#include <org.fwxd.Session1-adaptor.h>
#include <org.fwxd.Session1-proxy.h>

namespace {

using Dict = std::map<std::string, sdbus::Variant>;
using Paths = std::vector<sdbus::ObjectPath>;

constexpr bool same(const char* a, std::string_view b) {
    return std::string_view{a} == b;
}

static_assert(same(org::fwxd::Firewall1_adaptor::INTERFACE_NAME, "org.fwxd.Firewall1"));
static_assert(same(org::fwxd::Session1_adaptor::INTERFACE_NAME, "org.fwxd.Session1"));
static_assert(same(org::fwxd::Action1_adaptor::INTERFACE_NAME, "org.fwxd.Action1"));
static_assert(same(org::fwxd::DataFilter1_adaptor::INTERFACE_NAME, "org.fwxd.DataFilter1"));
static_assert(same(org::fwxd::Firewall1_proxy::INTERFACE_NAME, "org.fwxd.Firewall1"));
static_assert(same(org::fwxd::Session1_proxy::INTERFACE_NAME, "org.fwxd.Session1"));
static_assert(same(org::fwxd::Action1_proxy::INTERFACE_NAME, "org.fwxd.Action1"));
static_assert(same(org::fwxd::DataFilter1_proxy::INTERFACE_NAME, "org.fwxd.DataFilter1"));

// Proxy members are public, so their exact types can be checked here; the adaptors' pure
// virtuals are private and are checked by overriding them below.
using FirewallProxy = org::fwxd::Firewall1_proxy;
static_assert(std::is_same_v<decltype(&FirewallProxy::OpenSession),
                             sdbus::ObjectPath (FirewallProxy::*)(const Dict&)>);
static_assert(std::is_same_v<decltype(&FirewallProxy::RegisterProtocol),
                             void (FirewallProxy::*)(const std::string&, const Dict&)>);
static_assert(std::is_same_v<decltype(&FirewallProxy::UnregisterProtocol),
                             void (FirewallProxy::*)(const std::string&)>);
static_assert(
    std::is_same_v<decltype(&FirewallProxy::RegisterConnectFilter),
                   sdbus::ObjectPath (FirewallProxy::*)(const std::string&, const Dict&)>);
static_assert(
    std::is_same_v<decltype(&FirewallProxy::RegisterDataFilter),
                   void (FirewallProxy::*)(const std::string&, const sdbus::ObjectPath&)>);
static_assert(std::is_same_v<decltype(&FirewallProxy::Version), std::string (FirewallProxy::*)()>);
static_assert(std::is_same_v<decltype(&FirewallProxy::InternalAddresses),
                             std::vector<std::string> (FirewallProxy::*)()>);
static_assert(std::is_same_v<decltype(&FirewallProxy::PortRange),
                             sdbus::Struct<uint16_t, uint16_t> (FirewallProxy::*)()>);
static_assert(std::is_same_v<decltype(&FirewallProxy::Sessions), Paths (FirewallProxy::*)()>);
static_assert(
    std::is_same_v<decltype(&FirewallProxy::ActiveRedirects), uint32_t (FirewallProxy::*)()>);
static_assert(
    std::is_same_v<decltype(&FirewallProxy::EventResyncs), uint64_t (FirewallProxy::*)()>);
static_assert(std::is_same_v<decltype(&FirewallProxy::Protocols),
                             std::map<std::string, Dict> (FirewallProxy::*)()>);

using SessionProxy = org::fwxd::Session1_proxy;
using Targets = std::vector<sdbus::Struct<std::string, uint16_t>>;
using Primary = sdbus::Struct<std::string, std::string, uint16_t, std::string, uint16_t>;
static_assert(
    std::is_same_v<decltype(&SessionProxy::RedirectConnections),
                   std::tuple<std::string, uint16_t, Paths> (SessionProxy::*)(
                       const Targets&, const std::string&, const std::string&, const std::string&,
                       const uint32_t&, const std::string&, const Dict&)>);
static_assert(std::is_same_v<decltype(&SessionProxy::Close), void (SessionProxy::*)()>);
static_assert(std::is_same_v<decltype(&SessionProxy::Owner), std::string (SessionProxy::*)()>);
static_assert(
    std::is_same_v<decltype(&SessionProxy::PrimaryConnection), Primary (SessionProxy::*)()>);
static_assert(
    std::is_same_v<decltype(&SessionProxy::Description), std::string (SessionProxy::*)()>);
static_assert(std::is_same_v<decltype(&SessionProxy::Actions), Paths (SessionProxy::*)()>);

using ActionProxy = org::fwxd::Action1_proxy;
static_assert(std::is_same_v<decltype(&ActionProxy::Cancel), void (ActionProxy::*)()>);
static_assert(std::is_same_v<decltype(&ActionProxy::State), std::string (ActionProxy::*)()>);
static_assert(std::is_same_v<decltype(&ActionProxy::ExpiresAt), uint64_t (ActionProxy::*)()>);
static_assert(std::is_same_v<decltype(&ActionProxy::Connections), uint32_t (ActionProxy::*)()>);
static_assert(std::is_same_v<decltype(&ActionProxy::InternalPort), uint16_t (ActionProxy::*)()>);
static_assert(std::is_same_v<decltype(&ActionProxy::Expected), bool (ActionProxy::*)()>);
static_assert(
    std::is_same_v<decltype(&ActionProxy::NoExpectationReason), std::string (ActionProxy::*)()>);

using DataFilterProxy = org::fwxd::DataFilter1_proxy;
static_assert(std::is_same_v<decltype(&DataFilterProxy::HandleConnection),
                             void (DataFilterProxy::*)(const sdbus::UnixFd&, const sdbus::UnixFd&,
                                                       const Dict&)>);

// Classes that implement every pure virtual of the adaptors with the signatures the daemon
// must provide (`final` + `override` make a mismatch a compile error), and of the proxies'
// signal handlers. They are never instantiated.
class Firewall final : public org::fwxd::Firewall1_adaptor {
public:
    using Firewall1_adaptor::Firewall1_adaptor;

private:
    // The methods that may wait for polkit answer later (org.freedesktop.DBus.Method.Async).
    void OpenSession(sdbus::Result<sdbus::ObjectPath>&& /*result*/, Dict /*options*/) override {}
    void RegisterProtocol(sdbus::Result<>&& /*result*/, std::string /*guid*/,
                          Dict /*spec*/) override {}
    void UnregisterProtocol(sdbus::Result<>&& /*result*/, std::string /*guid*/) override {}
    void RegisterConnectFilter(sdbus::Result<sdbus::ObjectPath>&& /*result*/,
                               std::string /*protocol_guid*/, Dict /*options*/) override {}
    void RegisterDataFilter(sdbus::Result<>&& /*result*/, std::string /*protocol_guid*/,
                            sdbus::ObjectPath /*handler*/) override {}
    std::string Version() override { return {}; }
    std::vector<std::string> InternalAddresses() override { return {}; }
    sdbus::Struct<uint16_t, uint16_t> PortRange() override { return {}; }
    Paths Sessions() override { return {}; }
    uint32_t ActiveRedirects() override { return 0; }
    uint64_t EventResyncs() override { return 0; }
    std::map<std::string, Dict> Protocols() override { return {}; }
};

class Session final : public org::fwxd::Session1_adaptor {
public:
    using Session1_adaptor::Session1_adaptor;

private:
    std::tuple<std::string, uint16_t, Paths>
    RedirectConnections(const Targets& /*connect_addresses*/,
                        const std::string& /*internal_address*/,
                        const std::string& /*proxy_external_address*/,
                        const std::string& /*protocol*/, const uint32_t& /*flags*/,
                        const std::string& /*protocol_guid*/, const Dict& /*options*/) override {
        return {};
    }
    void Close() override {}
    std::string Owner() override { return {}; }
    Primary PrimaryConnection() override { return {}; }
    std::string Description() override { return {}; }
    Paths Actions() override { return {}; }
};

class Action final : public org::fwxd::Action1_adaptor {
public:
    using Action1_adaptor::Action1_adaptor;

private:
    void Cancel() override {}
    std::string InternalAddress() override { return {}; }
    uint16_t InternalPort() override { return 0; }
    std::string ConnectAddress() override { return {}; }
    uint16_t ConnectPort() override { return 0; }
    std::string ProxyExternalAddress() override { return {}; }
    std::string Protocol() override { return {}; }
    uint32_t Flags() override { return 0; }
    std::string Mode() override { return {}; }
    bool Expected() override { return false; }
    std::string NoExpectationReason() override { return {}; }
    std::string State() override { return {}; }
    uint64_t ExpiresAt() override { return 0; }
    uint32_t Connections() override { return 0; }
};

class DataFilter final : public org::fwxd::DataFilter1_adaptor {
public:
    using DataFilter1_adaptor::DataFilter1_adaptor;

private:
    void HandleConnection(const sdbus::UnixFd& /*client*/, const sdbus::UnixFd& /*target*/,
                          const Dict& /*info*/) override {}
};

class FirewallClient final : public org::fwxd::Firewall1_proxy {
public:
    using Firewall1_proxy::Firewall1_proxy;

private:
    void onRedirectCreated(const sdbus::ObjectPath& /*action*/, const Dict& /*info*/) override {}
};

class ActionClient final : public org::fwxd::Action1_proxy {
public:
    using Action1_proxy::Action1_proxy;

private:
    void onEstablished(const Dict& /*connection*/) override {}
    void onClosed(const Dict& /*connection*/) override {}
    void onExpired(const std::string& /*reason*/) override {}
    void onFinished(const std::string& /*state*/, const uint32_t& /*connections*/) override {}
};

// The adaptors and proxies with no signals have no pure virtual handlers: they must stay
// concrete-constructible for their owners.
static_assert(!std::is_abstract_v<Firewall>);
static_assert(!std::is_abstract_v<Session>);
static_assert(!std::is_abstract_v<Action>);
static_assert(!std::is_abstract_v<DataFilter>);
static_assert(!std::is_abstract_v<FirewallClient>);
static_assert(!std::is_abstract_v<ActionClient>);

// Signals are emitted through the generated adaptor helpers only for broadcasts; fwxd's
// signals are unicast (createSignal + setDestination), but the helpers pin the argument
// types of each signal.
static_assert(
    std::is_same_v<decltype(&org::fwxd::Firewall1_adaptor::emitRedirectCreated),
                   void (org::fwxd::Firewall1_adaptor::*)(const sdbus::ObjectPath&, const Dict&)>);
static_assert(std::is_same_v<decltype(&org::fwxd::Action1_adaptor::emitEstablished),
                             void (org::fwxd::Action1_adaptor::*)(const Dict&)>);
static_assert(std::is_same_v<decltype(&org::fwxd::Action1_adaptor::emitClosed),
                             void (org::fwxd::Action1_adaptor::*)(const Dict&)>);
static_assert(std::is_same_v<decltype(&org::fwxd::Action1_adaptor::emitExpired),
                             void (org::fwxd::Action1_adaptor::*)(const std::string&)>);
static_assert(
    std::is_same_v<decltype(&org::fwxd::Action1_adaptor::emitFinished),
                   void (org::fwxd::Action1_adaptor::*)(const std::string&, const uint32_t&)>);

TEST(GeneratedCode, InterfaceNamesMatchTheContract) {
    EXPECT_STREQ(org::fwxd::Firewall1_adaptor::INTERFACE_NAME, "org.fwxd.Firewall1");
    EXPECT_STREQ(org::fwxd::Session1_adaptor::INTERFACE_NAME, "org.fwxd.Session1");
    EXPECT_STREQ(org::fwxd::Action1_adaptor::INTERFACE_NAME, "org.fwxd.Action1");
    EXPECT_STREQ(org::fwxd::DataFilter1_adaptor::INTERFACE_NAME, "org.fwxd.DataFilter1");
    EXPECT_STREQ(org::fwxd::Firewall1_proxy::INTERFACE_NAME, "org.fwxd.Firewall1");
    EXPECT_STREQ(org::fwxd::Session1_proxy::INTERFACE_NAME, "org.fwxd.Session1");
    EXPECT_STREQ(org::fwxd::Action1_proxy::INTERFACE_NAME, "org.fwxd.Action1");
    EXPECT_STREQ(org::fwxd::DataFilter1_proxy::INTERFACE_NAME, "org.fwxd.DataFilter1");
}

} // namespace
