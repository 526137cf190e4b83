// Every org.fwxd.Error name with an input that triggers it; after each failed call nothing
// is left in the kernel and the daemon still answers.
#include "DaemonFixture.hpp"
#include "lab/Lab.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace fwx::test {
namespace {

constexpr const char* InvalidArgument = "org.fwxd.Error.InvalidArgument";
constexpr const char* QuotaExceeded = "org.fwxd.Error.QuotaExceeded";
constexpr const char* PortsExhausted = "org.fwxd.Error.PortsExhausted";
constexpr const char* UnknownProtocol = "org.fwxd.Error.UnknownProtocol";
constexpr const char* NotSupported = "org.fwxd.Error.NotSupported";

std::string server4() {
    return Lab::serverAddress(Family::V4);
}

std::string server6() {
    return Lab::serverAddress(Family::V6);
}

struct BadRequest {
    std::string what;
    std::vector<ConnectAddress> targets;
    RedirectRequest request;
    std::string error;
};

RedirectRequest with(const std::function<void(RedirectRequest&)>& change) {
    RedirectRequest request;
    change(request);
    return request;
}

class Errors : public DaemonFixture {
protected:
    // The failed call left nothing behind, and fwxd still serves.
    void expectNothingLeft(std::uint32_t redirects = 0) {
        // A single-use redirect any client may use: ports, dnat, once, once_limits and open
        // elements.
        EXPECT_EQ(kernelElements(), redirects * 5U);
        EXPECT_EQ(client().firewall().ActiveRedirects(), redirects);
        EXPECT_EQ(client().firewall().Version(), FWXD_EXPECTED_VERSION);
    }

    void expectRefused(const sdbus::ObjectPath& session, const BadRequest& bad) {
        SCOPED_TRACE(bad.what);
        EXPECT_TRUE(
            failsWith([&] { client().redirect(session, bad.targets, bad.request); }, bad.error));
        expectNothingLeft();
    }
};

TEST_F(Errors, BadRedirectRequestsAreInvalidArguments) {
    const sdbus::ObjectPath session = client().openSession();
    const ConnectAddress good(server4(), 21000);
    const std::vector<BadRequest> cases{
        {"no targets", {}, {}, InvalidArgument},
        {"malformed address", {ConnectAddress("198.51.100.300", 21000)}, {}, InvalidArgument},
        {"hostname", {ConnectAddress("example.com", 21000)}, {}, InvalidArgument},
        {"port 0", {ConnectAddress(server4(), 0)}, {}, InvalidArgument},
        {"protocol sctp", {good}, with([](auto& r) { r.protocol = "sctp"; }), InvalidArgument},
        {"protocol TCP", {good}, with([](auto& r) { r.protocol = "TCP"; }), InvalidArgument},
        {"broadcast target", {ConnectAddress("255.255.255.255", 53)}, {}, InvalidArgument},
        {"loopback target", {ConnectAddress("127.0.0.1", 80)}, {}, InvalidArgument},
        {"link-local target", {ConnectAddress("fe80::1", 80)}, {}, InvalidArgument},
        {"fwxd's own internal address and port",
         {ConnectAddress(Lab::internalAddress(Family::V4), 41000)},
         {},
         InvalidArgument},
        {"unknown flag bit", {good}, with([](auto& r) { r.flags = 0x8; }), InvalidArgument},
        {"unknown option",
         {good},
         with([](auto& r) {
             r.options = {{"Colour", sdbus::Variant(std::string("blue"))}};
         }),
         InvalidArgument},
        {"Timeout without TIMEOUT",
         {good},
         with([](auto& r) {
             r.options = {{"Timeout", sdbus::Variant(std::uint64_t{1'000'000})}};
         }),
         InvalidArgument},
        {"Timeout of the wrong type",
         {good},
         with([](auto& r) {
             r.flags = TimeoutFlag;
             r.options = {{"Timeout", sdbus::Variant(std::string("1s"))}};
         }),
         InvalidArgument},
        {"mixed families", {good, ConnectAddress(server6(), 21000)}, {}, InvalidArgument},
        {"internal address not configured",
         {good},
         with([](auto& r) { r.internalAddress = "203.0.113.99"; }),
         InvalidArgument},
        {"internal address of the other family",
         {good},
         with([](auto& r) { r.internalAddress = Lab::internalAddress(Family::V6); }),
         InvalidArgument},
        {"proxy external address not local",
         {good},
         with([](auto& r) { r.proxyExternalAddress = "198.51.100.222"; }),
         InvalidArgument},
        {"proxy external address of the other family",
         {good},
         with([](auto& r) { r.proxyExternalAddress = Lab::proxyAddress(Family::V6); }),
         InvalidArgument},
        {"malformed AllowedSource",
         {good},
         with([](auto& r) {
             r.options = {{"AllowedSource", sdbus::Variant(std::string("x/99"))}};
         }),
         InvalidArgument},
    };
    for (const BadRequest& bad : cases) {
        expectRefused(session, bad);
    }
    // The session survived every refusal and still works.
    EXPECT_EQ(client().redirect(session, {good}).actions.size(), 1U);
    expectNothingLeft(1);
}

// What a client puts into a string fwxd logs stays on its log line, quoted and bounded:
// no forged "ready" line, no escape sequence, no megabyte lines.
TEST_F(Errors, ClientTextCannotForgeOrFloodLogLines) {
    client().openSession(
        {{"Description", sdbus::Variant(std::string("evil\nfwxd: ready: fake\x1b[31m"))}});
    client().openSession({{"Description", sdbus::Variant(std::string(1'048'576, 'd'))}});
    const std::string log = fwxd->log();
    std::size_t readyLines = 0;
    std::size_t longest = 0;
    std::size_t start = 0;
    while (start < log.size()) {
        const std::size_t end = std::min(log.find('\n', start), log.size());
        const std::string_view line(log.data() + start, end - start);
        readyLines += line.starts_with("fwxd: ready:") ? 1U : 0U;
        longest = std::max(longest, line.size());
        start = end + 1;
    }
    EXPECT_EQ(readyLines, 1U) << log;
    EXPECT_EQ(log.find('\x1b'), std::string::npos);
    EXPECT_NE(log.find("\"evil\\x0afwxd: ready: fake\\x1b[31m\""), std::string::npos) << log;
    EXPECT_NE(log.find("...\" (1048576 bytes)"), std::string::npos);
    EXPECT_LT(longest, 1024U);
}

TEST_F(Errors, BadSessionOptionsAreInvalidArguments) {
    using Primary =
        sdbus::Struct<std::string, std::string, std::uint16_t, std::string, std::uint16_t>;
    using OldPrimary = sdbus::Struct<std::string, std::string, std::string, std::uint16_t,
                                     std::string, std::uint16_t>;
    const std::string client4 = Lab::clientAddress(Family::V4);
    const std::vector<std::pair<std::string, Options>> cases{
        {"unknown option", {{"Colour", sdbus::Variant(std::string("blue"))}}},
        {"Description of the wrong type", {{"Description", sdbus::Variant(std::uint32_t{1})}}},
        {"primary transport sctp",
         {{"PrimaryConnection", sdbus::Variant(Primary("sctp", client4, 40000, server4(), 21))}}},
        {"primary with a malformed client address",
         {{"PrimaryConnection", sdbus::Variant(Primary("tcp", "192.0.2", 40000, server4(), 21))}}},
        {"primary of mixed families",
         {{"PrimaryConnection", sdbus::Variant(Primary("tcp", client4, 40000, server6(), 21))}}},
        {"primary with a family member (sssqsq)",
         {{"PrimaryConnection",
           sdbus::Variant(OldPrimary("tcp", "ipv4", client4, 40000, server4(), 21))}}},
    };
    for (const auto& item : cases) {
        SCOPED_TRACE(item.first);
        const Options& options = item.second;
        EXPECT_TRUE(failsWith([&] { client().openSession(options); }, InvalidArgument));
        EXPECT_TRUE(client().firewall().Sessions().empty());
    }
    expectNothingLeft();
}

// A path fwxd does not serve - a closed session, a cancelled action, an action of a
// closed session, one that never was - answers sd-bus's UnknownObject, to method calls and
// property reads alike, as the contract (dbus/org.fwxd.Firewall1.xml) says.
TEST_F(Errors, GoneAndNeverExistingObjectsAreUnknownObjects) {
    constexpr const char* UnknownObject = "org.freedesktop.DBus.Error.UnknownObject";
    const sdbus::ObjectPath session = client().openSession();
    const Redirected redirected = client().redirect(
        session, {ConnectAddress(server4(), 21000), ConnectAddress(server4(), 21001)});
    const sdbus::ObjectPath& cancelled = redirected.actions.at(0);
    client().action(cancelled).Cancel();
    EXPECT_TRUE(failsWith([&] { client().action(cancelled).Cancel(); }, UnknownObject))
        << "Cancel twice";
    client().session(session).Close();
    EXPECT_TRUE(failsWith([&] { client().session(session).Close(); }, UnknownObject))
        << "Close twice";

    const auto call = [&](const std::string& path, const char* interface, const char* method) {
        return failsWith(
            [&] {
                auto proxy = sdbus::createProxy(client().connection(), FwxdName, path);
                proxy->callMethod(method).onInterface(interface);
            },
            UnknownObject);
    };
    const auto read = [&](const std::string& path, const char* interface, const char* property) {
        return failsWith(
            [&] {
                auto proxy = sdbus::createProxy(client().connection(), FwxdName, path);
                sdbus::Variant value;
                proxy->callMethod("Get")
                    .onInterface("org.freedesktop.DBus.Properties")
                    .withArguments(std::string(interface), std::string(property))
                    .storeResultsTo(value);
            },
            UnknownObject);
    };
    const std::string neverSession = "/org/fwxd/Firewall1/session/4242";
    const std::string neverAction = "/org/fwxd/Firewall1/action/4242";
    for (const std::string& path : {std::string(session), neverSession}) {
        SCOPED_TRACE(path);
        EXPECT_TRUE(call(path, "org.fwxd.Session1", "Close"));
        EXPECT_TRUE(read(path, "org.fwxd.Session1", "Owner"));
        EXPECT_TRUE(failsWith(
            [&] { client().redirect(sdbus::ObjectPath(path), {ConnectAddress(server4(), 21002)}); },
            UnknownObject));
    }
    for (const std::string& path : {std::string(cancelled), std::string(redirected.actions.at(1)),
                                    neverAction, std::string("/org/fwxd/Firewall1/action/01")}) {
        SCOPED_TRACE(path);
        EXPECT_TRUE(call(path, "org.fwxd.Action1", "Cancel"));
        EXPECT_TRUE(read(path, "org.fwxd.Action1", "State"));
    }
    expectNothingLeft();
}

TEST_F(Errors, UnknownProtocolGuid) {
    const sdbus::ObjectPath session = client().openSession();
    expectRefused(session,
                  {"unregistered protocol GUID",
                   {ConnectAddress(server4(), 21000)},
                   with([](auto& r) { r.protocolGuid = "0badc0de-0000-4000-8000-000000000000"; }),
                   UnknownProtocol});
    EXPECT_TRUE(failsWith(
        [&] { client().firewall().UnregisterProtocol("0badc0de-0000-4000-8000-000000000000"); },
        UnknownProtocol));
}

TEST_F(Errors, ExpectationsThatCannotBeAreNotSupported) {
    const sdbus::ObjectPath session = client().openSession();
    expectRefused(session, {"RequireExpectation with NO_KERNEL_MODE",
                            {ConnectAddress(server4(), 21000)},
                            with([](auto& r) {
                                r.flags = NoKernelMode;
                                r.options = {{"RequireExpectation", sdbus::Variant(true)}};
                            }),
                            NotSupported});
    expectRefused(session, {"RequireExpectation",
                            {ConnectAddress(server4(), 21000)},
                            with([](auto& r) {
                                r.options = {{"RequireExpectation", sdbus::Variant(true)}};
                            }),
                            NotSupported});
}

// The contract (dbus/org.fwxd.Session1.xml) says QuotaExceeded for N above the maximum.
TEST_F(Errors, MoreTargetsThanMaxPortsPerRequestIsQuotaExceeded) {
    const sdbus::ObjectPath session = client().openSession();
    std::vector<ConnectAddress> targets;
    for (unsigned i = 0; i <= settings.maxPortsPerRequest; ++i) {
        targets.emplace_back(server4(), static_cast<std::uint16_t>(21000 + i));
    }
    expectRefused(session, {"N = MaxPortsPerRequest + 1", targets, {}, QuotaExceeded});
}

class SessionQuota : public Errors {
protected:
    SessionQuota() { settings.maxSessionsPerClient = 2; }
};

TEST_F(SessionQuota, IsCountedPerClientConnection) {
    client().openSession();
    client().openSession();
    EXPECT_TRUE(failsWith([&] { client().openSession(); }, QuotaExceeded));
    EXPECT_EQ(client().firewall().Sessions().size(), 2U);
    // Another connection of the same uid has a quota of its own.
    const auto other = connect();
    EXPECT_NO_THROW(other->openSession());
    EXPECT_EQ(client().firewall().Sessions().size(), 3U);
    expectNothingLeft();
}

class UserQuota : public Errors {
protected:
    UserQuota() {
        settings.maxSessionsPerClient = 2;
        settings.maxSessionsPerUser = 3;
    }
};

// More connections of one uid buy no more sessions than MaxSessionsPerUser.
TEST_F(UserQuota, IsCountedOverEveryConnectionOfTheUid) {
    client().openSession();
    client().openSession();
    const auto other = connect();
    other->openSession();
    EXPECT_TRUE(failsWith([&] { other->openSession(); }, QuotaExceeded));
    EXPECT_TRUE(failsWith([&] { connect()->openSession(); }, QuotaExceeded));
    EXPECT_EQ(client().firewall().Sessions().size(), 3U);
    expectNothingLeft();
}

class ActionQuota : public Errors {
protected:
    ActionQuota() { settings.maxActionsPerClient = 3; }
};

TEST_F(ActionQuota, RefusesTheRequestThatWouldExceedIt) {
    const sdbus::ObjectPath session = client().openSession();
    client().redirect(session,
                      {ConnectAddress(server4(), 21000), ConnectAddress(server4(), 21001)});
    EXPECT_TRUE(failsWith(
        [&] {
            client().redirect(session,
                              {ConnectAddress(server4(), 21002), ConnectAddress(server4(), 21003)});
        },
        QuotaExceeded));
    expectNothingLeft(2);
    // What fits still fits, also in another session of the same client.
    EXPECT_NO_THROW(client().redirect(client().openSession(), {ConnectAddress(server4(), 21002)}));
    expectNothingLeft(3);
}

class TinyPortRange : public Errors {
protected:
    TinyPortRange() {
        settings.portRange = "41000-41002";
        settings.maxPortsPerRequest = 3;
    }
};

TEST_F(TinyPortRange, PortsExhaustedWhenNoRunOfNPortsIsLeft) {
    const sdbus::ObjectPath session = client().openSession();
    const Redirected first = client().redirect(
        session, {ConnectAddress(server4(), 21000), ConnectAddress(server4(), 21001)});
    EXPECT_GE(first.basePort, 41000);
    EXPECT_LE(first.basePort, 41001);
    EXPECT_TRUE(failsWith(
        [&] {
            client().redirect(session,
                              {ConnectAddress(server4(), 21002), ConnectAddress(server4(), 21003)});
        },
        PortsExhausted));
    expectNothingLeft(2);
    // One port is left, and the other family and transport have all of theirs.
    const Redirected last = client().redirect(session, {ConnectAddress(server4(), 21002)});
    EXPECT_TRUE(last.basePort == 41000 || last.basePort == 41002) << last.basePort;
    EXPECT_TRUE(failsWith([&] { client().redirect(session, {ConnectAddress(server4(), 21003)}); },
                          PortsExhausted));
    RedirectRequest udp;
    udp.protocol = "udp";
    EXPECT_NO_THROW(
        client().redirect(session,
                          {ConnectAddress(server4(), 21000), ConnectAddress(server4(), 21001),
                           ConnectAddress(server4(), 21002)},
                          udp));
    EXPECT_NO_THROW(client().redirect(session, {ConnectAddress(server6(), 21000)}));
}

} // namespace
} // namespace fwx::test
