#include "net/Endpoint.hpp"

#include "net/InvalidArgument.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fwx::net {
namespace {

using test::invalidArgumentMessage;
using ::testing::HasSubstr;

std::string parseError(std::string_view text, bool allowZeroPort = false) {
    return invalidArgumentMessage([&] { Endpoint::parse(text, allowZeroPort); });
}

TEST(EndpointTest, ParsesIPv4) {
    const Endpoint endpoint = Endpoint::parse("192.0.2.1:80");
    EXPECT_EQ(endpoint.address, Address::parse("192.0.2.1"));
    EXPECT_EQ(endpoint.port, 80);
    EXPECT_EQ(endpoint.family(), Family::V4);
}

TEST(EndpointTest, ParsesBracketedIPv6) {
    const Endpoint endpoint = Endpoint::parse("[2001:DB8:0::1]:65535");
    EXPECT_EQ(endpoint.address, Address::parse("2001:db8::1"));
    EXPECT_EQ(endpoint.port, 65535);
    EXPECT_EQ(endpoint.family(), Family::V6);
    EXPECT_EQ(endpoint.toString(), "[2001:db8::1]:65535");
}

TEST(EndpointTest, RoundTripsText) {
    for (const char* text : {"192.0.2.1:80", "0.0.0.0:1", "255.255.255.255:65535",
                             "[2001:db8::1]:80", "[::]:443", "[::ffff:192.0.2.1]:8080"}) {
        EXPECT_EQ(Endpoint::parse(text).toString(), text);
    }
}

TEST(EndpointTest, PortZeroOnlyWhenAllowed) {
    EXPECT_EQ(parseError("192.0.2.1:0"), "port \"0\" of \"192.0.2.1:0\" is out of range 1-65535");
    EXPECT_EQ(Endpoint::parse("192.0.2.1:0", true).port, 0);
    EXPECT_EQ(Endpoint::parse("[::]:0", true).toString(), "[::]:0");
    EXPECT_EQ(parseError("192.0.2.1:65536", true),
              "port \"65536\" of \"192.0.2.1:65536\" is out of range 0-65535");
}

TEST(EndpointTest, AcceptsLeadingZerosInPort) {
    EXPECT_EQ(Endpoint::parse("192.0.2.1:0080").port, 80);
}

TEST(EndpointTest, OrdersAndCompares) {
    std::vector<Endpoint> endpoints = {Endpoint::parse("[::1]:1"), Endpoint::parse("192.0.2.1:443"),
                                       Endpoint::parse("192.0.2.1:80"),
                                       Endpoint::parse("10.0.0.1:9000")};
    std::sort(endpoints.begin(), endpoints.end());
    std::vector<std::string> texts;
    texts.reserve(endpoints.size());
    for (const auto& endpoint : endpoints) {
        texts.push_back(endpoint.toString());
    }
    EXPECT_THAT(
        texts, ::testing::ElementsAre("10.0.0.1:9000", "192.0.2.1:80", "192.0.2.1:443", "[::1]:1"));
    EXPECT_EQ(Endpoint::parse("[2001:db8::1]:80"), Endpoint::parse("[2001:db8:0::1]:80"));
    EXPECT_NE(Endpoint::parse("192.0.2.1:80"), Endpoint::parse("192.0.2.1:81"));
}

TEST(EndpointTest, ConvertsToSockaddrIn) {
    sockaddr_storage storage{};
    const socklen_t length = Endpoint::parse("198.51.100.7:8080").toSockaddr(storage);
    ASSERT_EQ(length, sizeof(sockaddr_in));
    sockaddr_in in{};
    std::memcpy(&in, &storage, sizeof in);
    EXPECT_EQ(in.sin_family, AF_INET);
    EXPECT_EQ(ntohs(in.sin_port), 8080);
    char text[INET_ADDRSTRLEN] = {};
    ASSERT_NE(inet_ntop(AF_INET, &in.sin_addr, text, sizeof text), nullptr);
    EXPECT_STREQ(text, "198.51.100.7");
}

TEST(EndpointTest, ConvertsToSockaddrIn6) {
    sockaddr_storage storage{};
    const socklen_t length = Endpoint::parse("[2001:db8::7]:53").toSockaddr(storage);
    ASSERT_EQ(length, sizeof(sockaddr_in6));
    sockaddr_in6 in6{};
    std::memcpy(&in6, &storage, sizeof in6);
    EXPECT_EQ(in6.sin6_family, AF_INET6);
    EXPECT_EQ(ntohs(in6.sin6_port), 53);
    EXPECT_EQ(in6.sin6_flowinfo, 0U);
    EXPECT_EQ(in6.sin6_scope_id, 0U);
    char text[INET6_ADDRSTRLEN] = {};
    ASSERT_NE(inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text), nullptr);
    EXPECT_STREQ(text, "2001:db8::7");
}

TEST(EndpointTest, RoundTripsSockaddr) {
    for (const char* text : {"192.0.2.1:80", "0.0.0.0:0", "[2001:db8::1]:65535", "[::]:0"}) {
        const Endpoint endpoint = Endpoint::parse(text, true);
        sockaddr_storage storage{};
        const socklen_t length = endpoint.toSockaddr(storage);
        sockaddr address{};
        std::memcpy(&address, &storage, sizeof address);
        // Through a sockaddr_storage, as recvfrom() and getsockname() hand them over.
        EXPECT_EQ(Endpoint::fromSockaddr(
                      static_cast<const sockaddr*>(static_cast<const void*>(&storage)), length),
                  endpoint)
            << text;
    }
}

TEST(EndpointTest, FromSockaddrReadsUnalignedBuffers) {
    const Endpoint endpoint = Endpoint::parse("[2001:db8::9]:4000");
    sockaddr_storage storage{};
    const socklen_t length = endpoint.toSockaddr(storage);
    std::vector<unsigned char> unaligned(length + 1U);
    std::memcpy(unaligned.data() + 1, &storage, length);
    const auto* sa = static_cast<const sockaddr*>(static_cast<const void*>(unaligned.data() + 1));
    EXPECT_EQ(Endpoint::fromSockaddr(sa, length), endpoint);
}

TEST(EndpointTest, FromSockaddrRejectsShortOrForeign) {
    sockaddr_storage storage{};
    const socklen_t length = Endpoint::parse("192.0.2.1:80").toSockaddr(storage);
    const auto* sa = static_cast<const sockaddr*>(static_cast<const void*>(&storage));
    EXPECT_THAT(invalidArgumentMessage([&] { Endpoint::fromSockaddr(sa, length - 1); }),
                HasSubstr("of family 2 and length 15 is not an IPv4 or IPv6 socket address"));
    EXPECT_EQ(invalidArgumentMessage([&] { Endpoint::fromSockaddr(nullptr, length); }),
              "no socket address");
    EXPECT_EQ(invalidArgumentMessage([&] { Endpoint::fromSockaddr(sa, 0); }), "no socket address");
    sockaddr_storage unix{};
    unix.ss_family = AF_UNIX;
    const auto* unixSa = static_cast<const sockaddr*>(static_cast<const void*>(&unix));
    EXPECT_THAT(invalidArgumentMessage([&] { Endpoint::fromSockaddr(unixSa, sizeof unix); }),
                HasSubstr("of family 1 and length"));
}

TEST(EndpointTest, FromSockaddrDropsScopeId) {
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(22);
    in6.sin6_scope_id = 3;
    ASSERT_EQ(inet_pton(AF_INET6, "fe80::1", &in6.sin6_addr), 1);
    sockaddr_storage storage{};
    std::memcpy(&storage, &in6, sizeof in6);
    const auto* sa = static_cast<const sockaddr*>(static_cast<const void*>(&storage));
    EXPECT_EQ(Endpoint::fromSockaddr(sa, sizeof in6).toString(), "[fe80::1]:22");
}

TEST(EndpointTest, RejectsMissingPort) {
    EXPECT_EQ(parseError("[2001:db8::1]"),
              "\"[2001:db8::1]\" has no port (expected [ADDRESS]:PORT)");
    EXPECT_EQ(parseError("192.0.2.1"), "\"192.0.2.1\" has no port (expected ADDRESS:PORT)");
    EXPECT_EQ(parseError("192.0.2.1:"), "\"192.0.2.1:\" has no port after \":\"");
    EXPECT_EQ(parseError("[2001:db8::1]:"), "\"[2001:db8::1]:\" has no port after \":\"");
}

TEST(EndpointTest, RejectsOutOfRangePort) {
    EXPECT_EQ(parseError("192.0.2.1:70000"),
              "port \"70000\" of \"192.0.2.1:70000\" is out of range 1-65535");
    EXPECT_EQ(parseError("[::1]:65536"),
              "port \"65536\" of \"[::1]:65536\" is out of range 1-65535");
    EXPECT_THAT(parseError("192.0.2.1:99999999999999999999999"),
                HasSubstr("is out of range 1-65535"));
}

TEST(EndpointTest, RejectsNonDecimalPort) {
    EXPECT_EQ(parseError("192.0.2.1:+80"),
              "port \"+80\" of \"192.0.2.1:+80\" is not a decimal number");
    for (const char* text : {"192.0.2.1:-1", "192.0.2.1:80abc", "192.0.2.1:0x50", "192.0.2.1:8 0",
                             "192.0.2.1:http", "[::1]:80]", "[::1]:8o"}) {
        EXPECT_THAT(parseError(text), HasSubstr("is not a decimal number")) << text;
    }
}

TEST(EndpointTest, RejectsUnbracketedIPv6) {
    EXPECT_EQ(parseError("2001:db8::1:80"),
              "\"2001:db8::1:80\": an IPv6 address with a port needs brackets (expected "
              "[ADDRESS]:PORT)");
    EXPECT_THAT(parseError("::1"), HasSubstr("needs brackets"));
}

TEST(EndpointTest, RejectsBracketMistakes) {
    EXPECT_EQ(parseError("[2001:db8::1:80"),
              "\"[2001:db8::1:80\" has no closing \"]\" (expected [ADDRESS]:PORT)");
    EXPECT_EQ(parseError("[2001:db8::1]80"),
              "\"[2001:db8::1]80\" needs \":\" between \"]\" and the port (expected "
              "[ADDRESS]:PORT)");
    EXPECT_EQ(parseError("[192.0.2.1]:80"),
              "\"[192.0.2.1]:80\": brackets are only for IPv6 addresses (expected ADDRESS:PORT)");
    EXPECT_THAT(parseError("[]:80"), HasSubstr("\"[]:80\": \"\" is empty: an address is needed"));
}

TEST(EndpointTest, RejectsBadAddress) {
    EXPECT_EQ(parseError("10.0.0.256:80"),
              "\"10.0.0.256:80\": \"10.0.0.256\" is not an IPv4 or IPv6 address");
    EXPECT_EQ(parseError(":80"), "\":80\" has no address before \":\"");
    EXPECT_THAT(parseError("[fe80::1%eth0]:80"), HasSubstr("zone ids are not supported"));
    EXPECT_THAT(parseError("192.0.2.1%eth0:80"), HasSubstr("zone ids are not supported"));
    EXPECT_THAT(parseError("example.org:80"), HasSubstr("is not an IPv4 or IPv6 address"));
}

TEST(EndpointTest, RejectsEmptyAndWhitespace) {
    EXPECT_EQ(parseError(""),
              "\"\" is empty: an endpoint is needed (ADDRESS:PORT or [ADDRESS]:PORT)");
    EXPECT_EQ(parseError(" 192.0.2.1:80"), "\" 192.0.2.1:80\" has leading or trailing whitespace");
    EXPECT_EQ(parseError("[::1]:80\t"), "\"[::1]:80\\x09\" has leading or trailing whitespace");
}

} // namespace
} // namespace fwx::net
