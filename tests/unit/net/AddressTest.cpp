#include "net/Address.hpp"

#include "error/Error.hpp"
#include "net/InvalidArgument.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fwx::net {
namespace {

using test::invalidArgumentMessage;
using ::testing::HasSubstr;

std::string parseError(std::string_view text) {
    EXPECT_FALSE(Address::tryParse(text).has_value()) << text;
    return invalidArgumentMessage([&] { Address::parse(text); });
}

TEST(AddressTest, DefaultIsIPv4Unspecified) {
    const Address address;
    EXPECT_TRUE(address.isV4());
    EXPECT_TRUE(address.isUnspecified());
    EXPECT_EQ(address.toString(), "0.0.0.0");
    EXPECT_EQ(address, Address::any(Family::V4));
}

TEST(AddressTest, ParsesIPv4) {
    const Address address = Address::parse("192.0.2.1");
    EXPECT_EQ(address.family(), Family::V4);
    EXPECT_TRUE(address.isV4());
    EXPECT_FALSE(address.isV6());
    EXPECT_THAT(address.bytes(), ::testing::ElementsAre(192, 0, 2, 1));
    EXPECT_EQ(address.toString(), "192.0.2.1");
}

TEST(AddressTest, ParsesIPv6) {
    const Address address = Address::parse("2001:db8::1");
    EXPECT_EQ(address.family(), Family::V6);
    EXPECT_TRUE(address.isV6());
    ASSERT_EQ(address.bytes().size(), 16U);
    EXPECT_EQ(address.bytes()[0], 0x20);
    EXPECT_EQ(address.bytes()[1], 0x01);
    EXPECT_EQ(address.bytes()[15], 0x01);
}

TEST(AddressTest, RoundTripsCanonicalText) {
    for (const char* text :
         {"0.0.0.0", "127.0.0.1", "192.0.2.1", "255.255.255.255", "::", "::1", "2001:db8::1",
          "fe80::1", "ff02::1", "2001:db8:0:1:1:1:1:1", "::ffff:192.0.2.1", "1::"}) {
        EXPECT_EQ(Address::parse(text).toString(), text);
    }
}

TEST(AddressTest, FormatsIPv6AsRfc5952) {
    EXPECT_EQ(Address::parse("2001:DB8:0:0::1").toString(), "2001:db8::1");
    // Leading zeros dropped, lower case.
    EXPECT_EQ(Address::parse("2001:0db8:00AB:0000:0000:0000:0000:0001").toString(),
              "2001:db8:ab::1");
    // The longest run of zero groups is compressed...
    EXPECT_EQ(Address::parse("2001:db8:0:0:1:0:0:0").toString(), "2001:db8:0:0:1::");
    // ...the first of two equally long ones...
    EXPECT_EQ(Address::parse("2001:db8:0:0:1:0:0:1").toString(), "2001:db8::1:0:0:1");
    // ...and never a single zero group.
    EXPECT_EQ(Address::parse("2001:db8:0:1:1:1:1:1").toString(), "2001:db8:0:1:1:1:1:1");
    EXPECT_EQ(Address::parse("0:0:0:0:0:0:0:0").toString(), "::");
    EXPECT_EQ(Address::parse("::ffff:c000:0201").toString(), "::ffff:192.0.2.1");
}

TEST(AddressTest, IPv4MappedStaysIPv6) {
    const Address mapped = Address::parse("::ffff:192.0.2.1");
    EXPECT_TRUE(mapped.isV6());
    EXPECT_NE(mapped, Address::parse("192.0.2.1"));
}

TEST(AddressTest, OrdersIPv4BeforeIPv6AndByBytes) {
    std::vector<Address> addresses = {Address::parse("::1"), Address::parse("10.0.0.2"),
                                      Address::parse("2001:db8::"), Address::parse("10.0.0.10"),
                                      Address::parse("9.255.255.255")};
    std::sort(addresses.begin(), addresses.end());
    std::vector<std::string> texts;
    texts.reserve(addresses.size());
    for (const auto& address : addresses) {
        texts.push_back(address.toString());
    }
    EXPECT_THAT(texts, ::testing::ElementsAre("9.255.255.255", "10.0.0.2", "10.0.0.10", "::1",
                                              "2001:db8::"));
    EXPECT_EQ(Address::parse("2001:db8::1"), Address::parse("2001:DB8:0::1"));
    EXPECT_NE(Address::any(Family::V4), Address::any(Family::V6));
    EXPECT_LT(Address::parse("192.0.2.1"), Address::parse("192.0.2.2"));
}

TEST(AddressTest, ClassifiesAddresses) {
    EXPECT_TRUE(Address::parse("0.0.0.0").isUnspecified());
    EXPECT_TRUE(Address::parse("::").isUnspecified());
    EXPECT_FALSE(Address::parse("::1").isUnspecified());

    EXPECT_TRUE(Address::parse("127.0.0.1").isLoopback());
    EXPECT_TRUE(Address::parse("127.255.0.9").isLoopback());
    EXPECT_TRUE(Address::parse("::1").isLoopback());
    EXPECT_FALSE(Address::parse("128.0.0.1").isLoopback());
    EXPECT_FALSE(Address::parse("::2").isLoopback());
    EXPECT_FALSE(Address::parse("::").isLoopback());

    EXPECT_TRUE(Address::parse("224.0.0.1").isMulticast());
    EXPECT_TRUE(Address::parse("239.255.255.255").isMulticast());
    EXPECT_FALSE(Address::parse("223.255.255.255").isMulticast());
    EXPECT_FALSE(Address::parse("240.0.0.1").isMulticast());
    EXPECT_TRUE(Address::parse("ff02::1").isMulticast());
    EXPECT_FALSE(Address::parse("fe80::1").isMulticast());

    EXPECT_TRUE(Address::parse("169.254.1.1").isLinkLocal());
    EXPECT_FALSE(Address::parse("169.253.1.1").isLinkLocal());
    EXPECT_TRUE(Address::parse("fe80::1").isLinkLocal());
    EXPECT_TRUE(Address::parse("febf::1").isLinkLocal());
    EXPECT_FALSE(Address::parse("fec0::1").isLinkLocal());
}

TEST(AddressTest, ConvertsToAndFromInAddr) {
    in_addr in{};
    ASSERT_EQ(inet_pton(AF_INET, "198.51.100.7", &in), 1);
    const Address address = Address::fromV4(in);
    EXPECT_EQ(address.toString(), "198.51.100.7");
    EXPECT_EQ(address.v4().s_addr, in.s_addr);

    in6_addr in6{};
    ASSERT_EQ(inet_pton(AF_INET6, "2001:db8::42", &in6), 1);
    const Address address6 = Address::fromV6(in6);
    EXPECT_EQ(address6.toString(), "2001:db8::42");
    const in6_addr back = address6.v6();
    EXPECT_TRUE(IN6_ARE_ADDR_EQUAL(&back, &in6));
}

TEST(AddressTest, WrongFamilyAccessorThrows) {
    EXPECT_THAT(invalidArgumentMessage([] { Address::parse("::1").v4(); }),
                HasSubstr("::1 is not an IPv4 address"));
    EXPECT_THAT(invalidArgumentMessage([] { Address::parse("192.0.2.1").v6(); }),
                HasSubstr("192.0.2.1 is not an IPv6 address"));
}

TEST(AddressTest, FromBytesChecksLength) {
    const std::uint8_t four[] = {192, 0, 2, 1};
    EXPECT_EQ(Address::fromBytes(Family::V4, four).toString(), "192.0.2.1");
    EXPECT_EQ(invalidArgumentMessage([&] { Address::fromBytes(Family::V6, four); }),
              "an IPv6 address has 16 bytes, not 4");
    const std::uint8_t sixteen[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    EXPECT_EQ(Address::fromBytes(Family::V6, sixteen).toString(), "fe80::1");
    EXPECT_EQ(invalidArgumentMessage([&] { Address::fromBytes(Family::V4, sixteen); }),
              "an IPv4 address has 4 bytes, not 16");
}

TEST(AddressTest, AnyIsUnspecifiedOfItsFamily) {
    EXPECT_EQ(Address::any(Family::V4).toString(), "0.0.0.0");
    EXPECT_EQ(Address::any(Family::V6).toString(), "::");
    EXPECT_TRUE(Address::any(Family::V6).isV6());
}

TEST(AddressTest, RejectsNonAddresses) {
    EXPECT_EQ(parseError("10.0.0.256"), "\"10.0.0.256\" is not an IPv4 or IPv6 address");
    for (const char* text : {"1.2.3", "1.2.3.4.5", "010.0.0.1", "0x1.2.3.4", "1.2.3.-4",
                             "192.0.2.1:80", "2001:db8:::1", "2001:db8::1::2", "12345::",
                             "::ffff:1.2.3.256", "gggg::", "localhost", "1:2:3:4:5:6:7:8:9"}) {
        EXPECT_THAT(parseError(text), HasSubstr("is not an IPv4 or IPv6 address")) << text;
    }
}

TEST(AddressTest, RejectsEmpty) {
    EXPECT_EQ(parseError(""), "\"\" is empty: an address is needed");
}

TEST(AddressTest, RejectsWhitespace) {
    for (const char* text : {" 192.0.2.1", "192.0.2.1 ", "\t::1", "::1\n"}) {
        EXPECT_THAT(parseError(text), HasSubstr("has leading or trailing whitespace")) << text;
    }
    EXPECT_THAT(parseError("192.0.2. 1"), HasSubstr("is not an IPv4 or IPv6 address"));
}

TEST(AddressTest, RejectsZoneIds) {
    EXPECT_EQ(parseError("fe80::1%eth0"),
              "\"fe80::1%eth0\" has a zone id (\"%eth0\"): zone ids are not supported");
}

TEST(AddressTest, RejectsBrackets) {
    EXPECT_THAT(parseError("[2001:db8::1]"), HasSubstr("is in brackets"));
}

TEST(AddressTest, RejectsPrefixLength) {
    EXPECT_EQ(parseError("192.0.2.0/24"),
              "\"192.0.2.0/24\" is not an IPv4 or IPv6 address (a prefix length is not "
              "allowed here)");
}

TEST(AddressTest, RejectsEmbeddedNulAndQuotesItSafely) {
    using namespace std::string_literals;
    EXPECT_EQ(parseError("192.0.2.1\0junk"s),
              "\"192.0.2.1\\x00junk\" is not an IPv4 or IPv6 address");
    EXPECT_EQ(parseError("a\"b\\c\x7f\xc3\xa9"),
              "\"a\\\"b\\\\c\\x7f\\xc3\\xa9\" is not an IPv4 or IPv6 address");
}

TEST(AddressTest, CutsLongInputInMessages) {
    const std::string junk(1000, '1');
    const std::string message = parseError(junk);
    EXPECT_THAT(message, HasSubstr("\"... is not an IPv4 or IPv6 address"));
    EXPECT_LT(message.size(), 200U);
}

TEST(AddressTest, FamilyHelpers) {
    EXPECT_EQ(toString(Family::V4), "IPv4");
    EXPECT_EQ(toString(Family::V6), "IPv6");
    EXPECT_EQ(toAddressFamily(Family::V4), AF_INET);
    EXPECT_EQ(toAddressFamily(Family::V6), AF_INET6);
    EXPECT_EQ(familyFromAddressFamily(AF_INET), Family::V4);
    EXPECT_EQ(familyFromAddressFamily(AF_INET6), Family::V6);
    EXPECT_EQ(invalidArgumentMessage([] { familyFromAddressFamily(AF_UNIX); }),
              "address family 1 is not AF_INET or AF_INET6");
}

} // namespace
} // namespace fwx::net
