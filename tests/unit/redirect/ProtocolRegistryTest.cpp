#include "redirect/ProtocolRegistry.hpp"

#include "error/Error.hpp"
#include "fakes/FakeNftBackend.hpp"

#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace fwx::redirect {
namespace {

std::vector<net::Prefix> servers(std::initializer_list<const char*> texts) {
    std::vector<net::Prefix> result;
    for (const char* text : texts) {
        result.push_back(net::Prefix::parse(text));
    }
    return result;
}

ProtocolSpec spec(const char* name, net::Transport transport, std::vector<std::uint16_t> ports,
                  const char* helper = "", std::vector<net::Prefix> on = {}) {
    return {name, transport, std::move(ports), helper, std::move(on)};
}

ProtocolSpec ftpSpec() {
    return spec("ftp", net::Transport::Tcp, {21}, "ftp", servers({"198.51.100.7"}));
}

Registrant proxy() {
    return {1001, ":1.3", false};
}
// The same uid on a new bus connection.
Registrant restartedProxy() {
    return {1001, ":1.9", false};
}
Registrant otherUser() {
    return {1002, ":1.4", false};
}
Registrant admin() {
    return {0, ":1.5", true};
}

std::string messageOf(const std::function<void()>& call, ErrorCode expected) {
    try {
        call();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), expected) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "no error";
    return {};
}

constexpr const char* guid = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
constexpr const char* guid2 = "6ba7b810-9dad-11d1-80b4-00c04fd430c9";

TEST(ProtocolRegistryTest, GuidsAreCanonicalWithOrWithoutBraces) {
    EXPECT_EQ(ProtocolRegistry::canonicalGuid("{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}"), guid);
    EXPECT_EQ(ProtocolRegistry::canonicalGuid("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), guid);
}

TEST(ProtocolRegistryTest, MalformedGuidsAreRefusedQuoted) {
    for (const char* bad :
         {"", "{}", "6ba7b810", "6ba7b810-9dad-11d1-80b4-00c04fd430cg",
          "6ba7b810-9dad-11d1-80b400-c04fd430c8", "{6ba7b810-9dad-11d1-80b4-00c04fd430c8"}) {
        EXPECT_EQ(
            messageOf([&] { ProtocolRegistry::canonicalGuid(bad); }, ErrorCode::InvalidArgument),
            std::string("protocol GUID \"") + bad +
                "\" is not of the form XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX");
    }
}

TEST(ProtocolRegistryTest, AddGetRemove) {
    fakes::FakeNftBackend nft;
    ProtocolRegistry registry(nft);
    EXPECT_TRUE(registry.add("{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}", ftpSpec(), proxy()).isNew);
    const Protocol& protocol = registry.get(guid);
    EXPECT_EQ(protocol.spec.name, "ftp");
    EXPECT_EQ(protocol.ownerUid, 1001U);
    EXPECT_EQ(protocol.registeredBy, ":1.3");

    registry.remove("6BA7B810-9DAD-11D1-80B4-00C04FD430C8");
    EXPECT_EQ(messageOf([&] { registry.get(guid); }, ErrorCode::UnknownProtocol),
              "protocol 6ba7b810-9dad-11d1-80b4-00c04fd430c8 is not registered");
    messageOf([&] { registry.remove(guid); }, ErrorCode::UnknownProtocol);
}

TEST(ProtocolRegistryTest, BadSpecsAreRefused) {
    fakes::FakeNftBackend nft;
    ProtocolRegistry registry(nft);
    const auto refusal = [&](ProtocolSpec bad) {
        return messageOf([&] { registry.add(guid, std::move(bad), proxy()); },
                         ErrorCode::InvalidArgument);
    };
    EXPECT_EQ(refusal(spec("", net::Transport::Tcp, {})), "spec: Name must not be empty");
    EXPECT_EQ(refusal(spec("x", net::Transport::Tcp, {0})),
              "spec: PrimaryPorts must not contain port 0");
    EXPECT_EQ(refusal(spec("x", net::Transport::Tcp, {21, 22, 21})),
              "spec: PrimaryPorts names port 21 twice");
    EXPECT_EQ(refusal(spec("x", net::Transport::Tcp, {1}, "quic", servers({"192.0.2.1"}))),
              "spec: Helper \"quic\" is not a kernel conntrack helper (known: amanda, ftp, irc, "
              "netbios-ns, pptp, Q.931, RAS, sane, sip, snmp, tftp)");
    EXPECT_EQ(refusal(spec("x", net::Transport::Tcp, {21}, "", servers({"192.0.2.1"}))),
              "spec: Servers only applies with a Helper: it names the servers whose primary "
              "connections get it");
    EXPECT_EQ(refusal(spec("x", net::Transport::Tcp, {21}, "ftp")),
              "spec: Helper \"ftp\" needs Servers: the addresses or prefixes of the servers whose "
              "primary connections get it (a helper parses every connection it is attached to)");
    EXPECT_EQ(refusal(spec("x", net::Transport::Tcp, {21}, "ftp",
                           servers({"2001:db8::/64", "192.0.2.0/24", "192.0.2.9"}))),
              "spec: Servers 192.0.2.0/24 and 192.0.2.9 overlap: name each server once");
    std::vector<net::Prefix> many;
    many.reserve(17);
    for (int i = 0; i < 17; ++i) {
        many.push_back(net::Prefix::parse("192.0.2." + std::to_string(i)));
    }
    EXPECT_EQ(refusal(spec("x", net::Transport::Tcp, {21}, "ftp", many)),
              "spec: Servers names 17 servers, at most 16 are allowed");
    EXPECT_TRUE(registry.protocols().empty());
}

// A protocol belongs to a uid: a proxy that restarts registers it again on a new bus
// connection, and that changes nothing; another uid or another spec is refused.
TEST(ProtocolRegistryTest, RegisteringAgainFromTheSameUidChangesNothing) {
    fakes::FakeNftBackend nft;
    ProtocolRegistry registry(nft);
    ASSERT_TRUE(registry.add(guid, ftpSpec(), proxy()).isNew);
    const auto again = registry.add(guid, ftpSpec(), restartedProxy());
    EXPECT_FALSE(again.isNew);
    EXPECT_EQ(again.protocol.registeredBy, ":1.3");
    EXPECT_EQ(nft.helpers().size(), 1U);

    EXPECT_EQ(
        messageOf([&] { registry.add(guid, ftpSpec(), otherUser()); }, ErrorCode::InvalidArgument),
        "protocol 6ba7b810-9dad-11d1-80b4-00c04fd430c8 is already registered by uid 1001");
    ProtocolSpec changed = ftpSpec();
    changed.primaryPorts = {2121};
    EXPECT_EQ(messageOf([&] { registry.add(guid, changed, restartedProxy()); },
                        ErrorCode::InvalidArgument),
              "protocol 6ba7b810-9dad-11d1-80b4-00c04fd430c8 is already registered with another "
              "spec: unregister it first");
}

TEST(ProtocolRegistryTest, QuotasPerUserAndInAll) {
    fakes::FakeNftBackend nft;
    ProtocolRegistry registry(nft, {3, 2});
    const auto plain = spec("x", net::Transport::Tcp, {80});
    registry.add("6ba7b810-9dad-11d1-80b4-00c04fd43001", plain, proxy());
    registry.add("6ba7b810-9dad-11d1-80b4-00c04fd43002", plain, restartedProxy());
    EXPECT_EQ(messageOf([&] { registry.add(guid, plain, proxy()); }, ErrorCode::QuotaExceeded),
              "uid 1001 has registered 2 protocols, the most one user may "
              "(MaxProtocolsPerUser)");
    // Another user has a quota of its own; an administrator is not held to one.
    registry.add(guid, plain, otherUser());
    EXPECT_EQ(messageOf([&] { registry.add(guid2, plain, admin()); }, ErrorCode::QuotaExceeded),
              "3 protocols are registered, the most fwxd keeps");
    registry.remove(guid);
    registry.add(guid, plain, admin());
    EXPECT_EQ(registry.protocols().size(), 3U);
}

TEST(ProtocolRegistryTest, HelperIsAttachedWhileRegistered) {
    fakes::FakeNftBackend nft;
    {
        ProtocolRegistry registry(nft);
        registry.add(guid,
                     spec("irc", net::Transport::Tcp, {6667, 6697}, "irc",
                          servers({"198.51.100.0/24", "2001:db8:5::/64"})),
                     admin());
        ASSERT_EQ(nft.helpers().size(), 1U);
        const HelperAssignment& assignment = nft.helpers().begin()->second;
        EXPECT_EQ(assignment.name, std::string("helper-") + guid);
        EXPECT_EQ(assignment.helper, "irc");
        EXPECT_EQ(assignment.ports, (std::vector<std::uint16_t>{6667, 6697}));
        EXPECT_EQ(assignment.servers, servers({"198.51.100.0/24", "2001:db8:5::/64"}));
        registry.remove(guid);
        EXPECT_TRUE(nft.helpers().empty());

        registry.add(guid, spec("irc", net::Transport::Tcp, {6667}, "irc", servers({"192.0.2.1"})),
                     admin());
        registry.add(guid2, spec("plain", net::Transport::Tcp, {80}), proxy());
        EXPECT_EQ(nft.helpers().size(), 1U);
    }
    EXPECT_TRUE(nft.helpers().empty()) << "the registry detaches its helpers when it goes";
}

TEST(ProtocolRegistryTest, TwoProtocolsCannotGiveHelpersToOneServersPort) {
    fakes::FakeNftBackend nft;
    ProtocolRegistry registry(nft);
    EXPECT_EQ(messageOf(
                  [&] {
                      registry.add(
                          guid,
                          spec("irc", net::Transport::Udp, {6667}, "irc", servers({"192.0.2.1"})),
                          admin());
                  },
                  ErrorCode::InvalidArgument),
              "spec: Helper \"irc\" does not handle udp connections");
    EXPECT_EQ(
        messageOf([&] { registry.add(guid, spec("irc", net::Transport::Tcp, {}, "irc"), admin()); },
                  ErrorCode::InvalidArgument),
        "spec: Helper \"irc\" needs PrimaryPorts: it is attached to new connections to "
        "those ports");
    registry.add(guid,
                 spec("irc", net::Transport::Tcp, {6667}, "irc", servers({"198.51.100.0/24"})),
                 admin());
    EXPECT_EQ(messageOf(
                  [&] {
                      registry.add(guid2,
                                   spec("other", net::Transport::Tcp, {21, 6667}, "ftp",
                                        servers({"198.51.100.7"})),
                                   admin());
                  },
                  ErrorCode::InvalidArgument),
              "spec: connections to 198.51.100.7 port 6667/tcp already get helper \"irc\" from "
              "protocol 6ba7b810-9dad-11d1-80b4-00c04fd430c8 (irc, servers 198.51.100.0/24)");
    // Other servers, the same port over UDP, or no helper: no conflict.
    registry.add(guid2,
                 spec("other", net::Transport::Tcp, {6667}, "irc", servers({"198.51.101.0/24"})),
                 admin());
    registry.add("6ba7b810-9dad-11d1-80b4-00c04fd430ca",
                 spec("sip", net::Transport::Udp, {6667}, "sip", servers({"198.51.100.0/24"})),
                 admin());
    registry.add("6ba7b810-9dad-11d1-80b4-00c04fd430cb", spec("x", net::Transport::Tcp, {6667}),
                 proxy());
}

TEST(ProtocolRegistryTest, KernelRefusalRegistersNothing) {
    fakes::FakeNftBackend nft;
    ProtocolRegistry registry(nft);
    nft.failNextAdd(Error(ErrorCode::Failed, "nft: no"));
    messageOf([&] { registry.add(guid, ftpSpec(), admin()); }, ErrorCode::Failed);
    messageOf([&] { registry.get(guid); }, ErrorCode::UnknownProtocol);

    registry.add(guid, ftpSpec(), admin());
    nft.failNextRemove(Error(ErrorCode::Failed, "nft: no"));
    messageOf([&] { registry.remove(guid); }, ErrorCode::Failed);
    EXPECT_EQ(registry.get(guid).spec.name, "ftp") << "still attached, so still registered";
}

} // namespace
} // namespace fwx::redirect
