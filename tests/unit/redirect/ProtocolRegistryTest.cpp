#include "redirect/ProtocolRegistry.hpp"

#include "error/Error.hpp"

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
    ProtocolRegistry registry;
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
    ProtocolRegistry registry(1);
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
              "spec: Helper \"quic\" is not a kernel conntrack helper (known: amanda, ftp, "
              "h323, irc, "
              "netbios-ns, pptp, sane, sip, snmp, tftp)");

    registry.add(guid, ftpSpec(), ":1.3");
    EXPECT_EQ(messageOf([&] { registry.add(guid, ftpSpec(), ":1.4"); }, ErrorCode::InvalidArgument),
              "protocol 6ba7b810-9dad-11d1-80b4-00c04fd430c8 is already registered");
    EXPECT_EQ(
        messageOf([&] { registry.add("6ba7b810-9dad-11d1-80b4-00c04fd430c9", ftpSpec(), ":1.4"); },
                  ErrorCode::QuotaExceeded),
        "1 protocols are registered, the most fwxd keeps");
}

} // namespace
} // namespace fwx::redirect
