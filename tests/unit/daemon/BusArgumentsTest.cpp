#include "daemon/BusArguments.hpp"

#include "error/Error.hpp"

#include <gtest/gtest.h>

namespace fwx::daemon {
namespace {

using namespace std::chrono_literals;

std::string invalidMessage(const std::function<void()>& call) {
    try {
        call();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "no error";
    return {};
}

RedirectArguments parse(const std::vector<ConnectAddress>& targets, const Options& options = {},
                        const std::string& protocol = "tcp") {
    return parseRedirectArguments(targets, "", "", protocol, 0, options);
}

TEST(BusArgumentsTest, RedirectArgumentsBecomeARequest) {
    const Options options{{"Timeout", sdbus::Variant(std::uint64_t{1500000})},
                          {"AllowedSource", sdbus::Variant(std::string("192.0.2.0/24"))},
                          {"Context", sdbus::Variant(std::string("call-17"))}};
    const RedirectArguments arguments =
        parseRedirectArguments({{"198.51.100.2", 80}, {"198.51.100.3", 81}}, "203.0.113.1",
                               "198.51.100.100", "udp", 0x3, options);
    const redirect::Request& request = arguments.request;

    ASSERT_EQ(request.targets.size(), 2U);
    EXPECT_EQ(request.targets[1], net::Endpoint::parse("198.51.100.3:81"));
    EXPECT_EQ(request.internalAddress, net::Address::parse("203.0.113.1"));
    EXPECT_EQ(request.proxyExternalAddress, net::Address::parse("198.51.100.100"));
    EXPECT_EQ(request.transport, net::Transport::Udp);
    EXPECT_EQ(request.flags, 0x3U);
    EXPECT_EQ(request.timeout, 1500ms);
    EXPECT_EQ(request.allowedSource, net::Prefix::parse("192.0.2.0/24"));
    ASSERT_TRUE(arguments.context);
    EXPECT_EQ(arguments.context->get<std::string>(), "call-17");
    EXPECT_FALSE(arguments.requireExpectation);
}

TEST(BusArgumentsTest, EmptyAddressesMeanDefaults) {
    const RedirectArguments arguments = parse({{"2001:db8::2", 80}});
    EXPECT_FALSE(arguments.request.internalAddress);
    EXPECT_FALSE(arguments.request.proxyExternalAddress);
    EXPECT_FALSE(arguments.request.timeout);
    EXPECT_FALSE(arguments.context);
}

TEST(BusArgumentsTest, MessagesNameTheArgumentAtFault) {
    EXPECT_EQ(invalidMessage([] {
                  parse({{"198.51.100.2", 80}, {"198.51.100.2", 0}});
              }),
              "connect_addresses[1]: port 0 of 198.51.100.2 is not a port to connect to");
    EXPECT_EQ(invalidMessage([] {
                  parse({{"198.51.100.2", 80}}, {}, "sctp");
              }),
              "protocol: \"sctp\" is not a transport (expected \"tcp\" or \"udp\")");
    EXPECT_TRUE(invalidMessage([] {
                    parseRedirectArguments({{"198.51.100.2", 80}}, "nonsense", "", "tcp", 0, {});
                }).starts_with("internal_address: "));
    EXPECT_TRUE(invalidMessage([] {
                    parseRedirectArguments({{"198.51.100.2", 80}}, "", "10.0.0.300", "tcp", 0, {});
                }).starts_with("proxy_external_address: "));
    EXPECT_TRUE(invalidMessage([] {
                    parse({{"example.com", 80}});
                }).starts_with("connect_addresses[0]: "));
}

TEST(BusArgumentsTest, OptionsAreTypeCheckedAndUnknownKeysRefused) {
    EXPECT_EQ(invalidMessage([] {
                  parse({{"198.51.100.2", 80}}, {{"Timeout", sdbus::Variant(std::string("1s"))}});
              }),
              "options: Timeout must be of D-Bus type \"t\", not \"s\"");
    EXPECT_EQ(invalidMessage([] {
                  parse({{"198.51.100.2", 80}}, {{"Timeout", sdbus::Variant(std::uint64_t{0})}});
              }),
              "options: Timeout must be more than 0 µs");
    EXPECT_EQ(invalidMessage([] {
                  parse({{"198.51.100.2", 80}}, {{"Timout", sdbus::Variant(std::uint64_t{1})}});
              }),
              "options: unknown key \"Timout\" (known: AllowedSource, Context, "
              "RequireExpectation, Timeout)");
    EXPECT_TRUE(invalidMessage([] {
                    parse({{"198.51.100.2", 80}},
                          {{"AllowedSource", sdbus::Variant(std::string("192.0.2.1/24"))}});
                }).starts_with("options: AllowedSource: "));
}

TEST(BusArgumentsTest, SessionOptions) {
    const PrimaryConnectionStruct primary("tcp", "192.0.2.2", 40000, "203.0.113.1", 21);
    const redirect::SessionOptions options =
        parseSessionOptions({{"PrimaryConnection", sdbus::Variant(primary)},
                             {"Description", sdbus::Variant(std::string("ftp proxy"))}});
    ASSERT_TRUE(options.primary);
    EXPECT_EQ(options.primary->transport, net::Transport::Tcp);
    EXPECT_EQ(options.primary->client, net::Endpoint::parse("192.0.2.2:40000"));
    EXPECT_EQ(options.primary->server, net::Endpoint::parse("203.0.113.1:21"));
    EXPECT_EQ(options.description, "ftp proxy");
    EXPECT_EQ(toStruct(options.primary), primary);
    EXPECT_EQ(toStruct(std::nullopt), PrimaryConnectionStruct("", "", 0, "", 0));
}

TEST(BusArgumentsTest, PrimaryConnectionOfIPv6) {
    const PrimaryConnectionStruct primary("udp", "2001:db8::2", 5060, "2001:db8:1::1", 5060);
    const redirect::SessionOptions options =
        parseSessionOptions({{"PrimaryConnection", sdbus::Variant(primary)}});
    ASSERT_TRUE(options.primary);
    EXPECT_EQ(options.primary->client.family(), net::Family::V6);
    EXPECT_EQ(options.primary->transport, net::Transport::Udp);
    EXPECT_EQ(toStruct(options.primary), primary);
}

TEST(BusArgumentsTest, BadPrimaryConnections) {
    const auto primaryWith = [](const PrimaryConnectionStruct& primary) {
        return invalidMessage([&] {
            parseSessionOptions({{"PrimaryConnection", sdbus::Variant(primary)}});
        });
    };
    EXPECT_EQ(primaryWith({"tcp", "192.0.2.2", 1, "2001:db8::1", 21}),
              "options: PrimaryConnection: the client address 192.0.2.2 is IPv4 and the server "
              "address 2001:db8::1 is IPv6; both must be of one family");
    EXPECT_EQ(primaryWith({"tcp", "2001:db8::2", 1, "203.0.113.1", 21}),
              "options: PrimaryConnection: the client address 2001:db8::2 is IPv6 and the server "
              "address 203.0.113.1 is IPv4; both must be of one family");
    EXPECT_EQ(primaryWith({"tcp", "192.0.2.2", 0, "203.0.113.1", 21}),
              "options: PrimaryConnection: ports must not be 0");
    EXPECT_EQ(primaryWith({"tcp", "192.0.2.2", 1, "203.0.113.1", 0}),
              "options: PrimaryConnection: ports must not be 0");
    EXPECT_TRUE(primaryWith({"icmp", "192.0.2.2", 1, "203.0.113.1", 21})
                    .starts_with("options: PrimaryConnection transport: "));
    EXPECT_TRUE(primaryWith({"tcp", "ipv4", 1, "203.0.113.1", 21})
                    .starts_with("options: PrimaryConnection client: "));
    EXPECT_TRUE(primaryWith({"tcp", "192.0.2.2", 1, "", 21})
                    .starts_with("options: PrimaryConnection server: "));
    EXPECT_EQ(invalidMessage([] {
                  parseSessionOptions({{"PrimaryConnection", sdbus::Variant(std::string("x"))}});
              }),
              "options: PrimaryConnection must be of D-Bus type \"(ssqsq)\", not \"s\"");
    // The struct of before API 1.0, with its family member, is refused by its type.
    using Old = sdbus::Struct<std::string, std::string, std::string, std::uint16_t, std::string,
                              std::uint16_t>;
    EXPECT_EQ(invalidMessage([] {
                  parseSessionOptions(
                      {{"PrimaryConnection",
                        sdbus::Variant(Old("tcp", "ipv4", "192.0.2.2", 1, "203.0.113.1", 21))}});
              }),
              "options: PrimaryConnection must be of D-Bus type \"(ssqsq)\", not \"(sssqsq)\"");
}

TEST(BusArgumentsTest, ProtocolSpec) {
    const redirect::ProtocolSpec spec = parseProtocolSpec(
        {{"Name", sdbus::Variant(std::string("ftp"))},
         {"Transport", sdbus::Variant(std::string("tcp"))},
         {"PrimaryPorts", sdbus::Variant(std::vector<std::uint16_t>{21, 2121})},
         {"Helper", sdbus::Variant(std::string("ftp"))},
         {"Servers", sdbus::Variant(std::vector<std::string>{"198.51.100.7", "2001:db8:5::/64"})}});
    EXPECT_EQ(spec.name, "ftp");
    EXPECT_EQ(spec.primaryPorts, (std::vector<std::uint16_t>{21, 2121}));
    EXPECT_EQ(spec.helper, "ftp");
    EXPECT_EQ(spec.servers, (std::vector<net::Prefix>{net::Prefix::parse("198.51.100.7"),
                                                      net::Prefix::parse("2001:db8:5::/64")}));
    EXPECT_EQ(invalidMessage([] {
                  parseProtocolSpec({{"Transport", sdbus::Variant(std::string("tcp"))},
                                     {"Servers", sdbus::Variant(std::vector<std::string>{
                                                     "198.51.100.7", "198.51.100.7/24"})}});
              }),
              "spec: Servers[1]: \"198.51.100.7/24\" has host bits set (did you mean "
              "198.51.100.0/24?)");
    EXPECT_EQ(invalidMessage([] {
                  parseProtocolSpec({{"Transport", sdbus::Variant(std::string("tcp"))},
                                     {"Servers", sdbus::Variant(std::string("198.51.100.7"))}});
              }),
              "spec: Servers must be of D-Bus type \"as\", not \"s\"");
    EXPECT_EQ(invalidMessage([] {
                  parseProtocolSpec({{"Name", sdbus::Variant(std::string("x"))}});
              }),
              "spec: Transport is required (\"tcp\" or \"udp\")");
}

} // namespace
} // namespace fwx::daemon
