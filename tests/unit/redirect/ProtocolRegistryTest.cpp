#include "redirect/ProtocolRegistry.hpp"

#include "error/Error.hpp"
#include "fakes/FakeNftBackend.hpp"

#include <gtest/gtest.h>

namespace fwx::redirect {
namespace {

ProtocolSpec ftpSpec() {
    return {"ftp", net::Transport::Tcp, {21}, "ftp"};
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

TEST(ProtocolRegistryTest, GuidsAreCanonicalWithOrWithoutBraces) {
    EXPECT_EQ(ProtocolRegistry::canonicalGuid("{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}"),
              "6ba7b810-9dad-11d1-80b4-00c04fd430c8");
    EXPECT_EQ(ProtocolRegistry::canonicalGuid("6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
              "6ba7b810-9dad-11d1-80b4-00c04fd430c8");
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
    registry.add("{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}", ftpSpec(), ":1.3");
    const Protocol& protocol = registry.get("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
    EXPECT_EQ(protocol.spec.name, "ftp");
    EXPECT_EQ(protocol.owner, ":1.3");

    registry.remove("6BA7B810-9DAD-11D1-80B4-00C04FD430C8");
    EXPECT_EQ(messageOf([&] { registry.get("6ba7b810-9dad-11d1-80b4-00c04fd430c8"); },
                        ErrorCode::UnknownProtocol),
              "protocol 6ba7b810-9dad-11d1-80b4-00c04fd430c8 is not registered");
    messageOf([&] { registry.remove("6ba7b810-9dad-11d1-80b4-00c04fd430c8"); },
              ErrorCode::UnknownProtocol);
}

TEST(ProtocolRegistryTest, BadSpecsAndDuplicatesAreRefused) {
    fakes::FakeNftBackend nft;
    ProtocolRegistry registry(nft, 1);
    const std::string guid = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
    EXPECT_EQ(messageOf(
                  [&] {
                      registry.add(guid, {"", net::Transport::Tcp, {}, ""}, ":1.3");
                  },
                  ErrorCode::InvalidArgument),
              "spec: Name must not be empty");
    EXPECT_EQ(messageOf(
                  [&] {
                      registry.add(guid, {"x", net::Transport::Tcp, {0}, ""}, ":1.3");
                  },
                  ErrorCode::InvalidArgument),
              "spec: PrimaryPorts must not contain port 0");
    EXPECT_EQ(messageOf(
                  [&] {
                      registry.add(guid, {"x", net::Transport::Tcp, {1}, "quic"}, ":1.3");
                  },
                  ErrorCode::InvalidArgument),
              "spec: Helper \"quic\" is not a kernel conntrack helper (known: amanda, ftp, irc, "
              "netbios-ns, pptp, Q.931, RAS, sane, sip, snmp, tftp)");

    registry.add(guid, ftpSpec(), ":1.3");
    EXPECT_EQ(messageOf([&] { registry.add(guid, ftpSpec(), ":1.4"); }, ErrorCode::InvalidArgument),
              "protocol 6ba7b810-9dad-11d1-80b4-00c04fd430c8 is already registered");
    EXPECT_EQ(
        messageOf([&] { registry.add("6ba7b810-9dad-11d1-80b4-00c04fd430c9", ftpSpec(), ":1.4"); },
                  ErrorCode::QuotaExceeded),
        "1 protocols are registered, the most fwxd keeps");
}

TEST(ProtocolRegistryTest, HelperIsAttachedWhileRegistered) {
    fakes::FakeNftBackend nft;
    {
        ProtocolRegistry registry(nft);
        const std::string guid = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
        registry.add(guid, {"irc", net::Transport::Tcp, {6667, 6697}, "irc"}, ":1.3");
        ASSERT_EQ(nft.helpers().size(), 1U);
        const HelperAssignment& assignment = nft.helpers().begin()->second;
        EXPECT_EQ(assignment.name, "helper-" + guid);
        EXPECT_EQ(assignment.helper, "irc");
        EXPECT_EQ(assignment.ports, (std::vector<std::uint16_t>{6667, 6697}));
        registry.remove(guid);
        EXPECT_TRUE(nft.helpers().empty());

        registry.add(guid, {"irc", net::Transport::Tcp, {6667}, "irc"}, ":1.3");
        registry.add("6ba7b810-9dad-11d1-80b4-00c04fd430c9",
                     {"plain", net::Transport::Tcp, {80}, ""}, ":1.3");
        EXPECT_EQ(nft.helpers().size(), 1U);
    }
    EXPECT_TRUE(nft.helpers().empty()) << "the registry detaches its helpers when it goes";
}

TEST(ProtocolRegistryTest, HelperSpecsAreChecked) {
    fakes::FakeNftBackend nft;
    ProtocolRegistry registry(nft);
    const std::string guid = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
    EXPECT_EQ(messageOf(
                  [&] {
                      registry.add(guid, {"irc", net::Transport::Udp, {6667}, "irc"}, "");
                  },
                  ErrorCode::InvalidArgument),
              "spec: Helper \"irc\" does not handle udp connections");
    EXPECT_EQ(messageOf(
                  [&] {
                      registry.add(guid, {"irc", net::Transport::Tcp, {}, "irc"}, "");
                  },
                  ErrorCode::InvalidArgument),
              "spec: Helper \"irc\" needs PrimaryPorts: it is attached to new connections to "
              "those ports");
    registry.add(guid, {"irc", net::Transport::Tcp, {6667}, "irc"}, "");
    EXPECT_EQ(
        messageOf(
            [&] {
                registry.add("6ba7b810-9dad-11d1-80b4-00c04fd430c9",
                             {"other", net::Transport::Tcp, {21, 6667}, "ftp"}, "");
            },
            ErrorCode::InvalidArgument),
        "spec: PrimaryPorts: connections to 6667/tcp already get helper \"irc\" from protocol "
        "irc (6ba7b810-9dad-11d1-80b4-00c04fd430c8)");
    // The same port over UDP, or without a helper, is no conflict.
    registry.add("6ba7b810-9dad-11d1-80b4-00c04fd430ca",
                 {"sip", net::Transport::Udp, {6667}, "sip"}, "");
    registry.add("6ba7b810-9dad-11d1-80b4-00c04fd430cb", {"x", net::Transport::Tcp, {6667}, ""},
                 "");
}

TEST(ProtocolRegistryTest, KernelRefusalRegistersNothing) {
    fakes::FakeNftBackend nft;
    ProtocolRegistry registry(nft);
    const std::string guid = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
    nft.failNextAdd(Error(ErrorCode::Failed, "nft: no"));
    messageOf([&] { registry.add(guid, ftpSpec(), ""); }, ErrorCode::Failed);
    messageOf([&] { registry.get(guid); }, ErrorCode::UnknownProtocol);

    registry.add(guid, ftpSpec(), "");
    nft.failNextRemove(Error(ErrorCode::Failed, "nft: no"));
    messageOf([&] { registry.remove(guid); }, ErrorCode::Failed);
    EXPECT_EQ(registry.get(guid).spec.name, "ftp") << "still attached, so still registered";
}

} // namespace
} // namespace fwx::redirect
