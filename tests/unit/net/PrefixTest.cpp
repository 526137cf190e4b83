#include "net/Prefix.hpp"

#include "net/InvalidArgument.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fwx::net {
namespace {

using test::invalidArgumentMessage;
using ::testing::HasSubstr;

Address addr(std::string_view text) {
    return Address::parse(text);
}

std::string parseError(std::string_view text) {
    EXPECT_FALSE(Prefix::tryParse(text).has_value()) << text;
    return invalidArgumentMessage([&] { Prefix::parse(text); });
}

TEST(PrefixTest, ParsesNetworkAndLength) {
    const Prefix prefix = Prefix::parse("192.0.2.0/24");
    EXPECT_EQ(prefix.network(), addr("192.0.2.0"));
    EXPECT_EQ(prefix.length(), 24);
    EXPECT_EQ(prefix.family(), Family::V4);
    EXPECT_FALSE(prefix.isHost());
    EXPECT_FALSE(prefix.isAny());

    const Prefix prefix6 = Prefix::parse("2001:DB8::/32");
    EXPECT_EQ(prefix6.network(), addr("2001:db8::"));
    EXPECT_EQ(prefix6.length(), 32);
    EXPECT_EQ(prefix6.family(), Family::V6);
    EXPECT_EQ(prefix6.toString(), "2001:db8::/32");
}

TEST(PrefixTest, BareAddressIsHostPrefix) {
    const Prefix prefix = Prefix::parse("192.0.2.7");
    EXPECT_TRUE(prefix.isHost());
    EXPECT_EQ(prefix.length(), 32);
    EXPECT_EQ(prefix, Prefix::parse("192.0.2.7/32"));
    EXPECT_EQ(prefix.toString(), "192.0.2.7");

    const Prefix prefix6 = Prefix::parse("2001:db8::7");
    EXPECT_TRUE(prefix6.isHost());
    EXPECT_EQ(prefix6.length(), 128);
    EXPECT_EQ(Prefix::parse("2001:db8::7/128").toString(), "2001:db8::7");
    EXPECT_EQ(Prefix::host(addr("2001:db8::7")), prefix6);
}

TEST(PrefixTest, RoundTripsText) {
    for (const char* text :
         {"0.0.0.0/0", "10.0.0.0/8", "192.0.2.0/24", "192.0.2.32/27", "192.0.2.1", "::/0",
          "2001:db8::/32", "2001:db8::80/121", "2001:db8::1", "fe80::/10"}) {
        EXPECT_EQ(Prefix::parse(text).toString(), text);
    }
}

TEST(PrefixTest, AnyIsLengthZero) {
    EXPECT_EQ(Prefix::any(Family::V4).toString(), "0.0.0.0/0");
    EXPECT_EQ(Prefix::any(Family::V6).toString(), "::/0");
    EXPECT_TRUE(Prefix::any(Family::V6).isAny());
    EXPECT_FALSE(Prefix::any(Family::V6).isHost());
}

TEST(PrefixTest, OfClearsHostBits) {
    EXPECT_EQ(Prefix::of(addr("192.0.2.77"), 27).toString(), "192.0.2.64/27");
    EXPECT_EQ(Prefix::of(addr("192.0.2.77"), 0).toString(), "0.0.0.0/0");
    EXPECT_EQ(Prefix::of(addr("2001:db8::ffff"), 121).toString(), "2001:db8::ff80/121");
    EXPECT_EQ(Prefix::of(addr("2001:db8:7bcd::1"), 33).toString(), "2001:db8::/33");
    EXPECT_EQ(Prefix::of(addr("2001:db8:ffff::1"), 33).toString(), "2001:db8:8000::/33");
}

TEST(PrefixTest, OfRejectsTooLongLength) {
    EXPECT_EQ(invalidArgumentMessage([] { Prefix::of(addr("192.0.2.1"), 33); }),
              "prefix length 33 exceeds 32 for IPv4 (address 192.0.2.1)");
    EXPECT_EQ(invalidArgumentMessage([] { Prefix::of(addr("::1"), 129); }),
              "prefix length 129 exceeds 128 for IPv6 (address ::1)");
}

TEST(PrefixTest, LastAddressV4) {
    EXPECT_EQ(Prefix::parse("192.0.2.0/24").last(), addr("192.0.2.255"));
    EXPECT_EQ(Prefix::parse("192.0.2.32/27").last(), addr("192.0.2.63"));
    EXPECT_EQ(Prefix::parse("192.0.2.9/32").last(), addr("192.0.2.9"));
    EXPECT_EQ(Prefix::parse("0.0.0.0/0").last(), addr("255.255.255.255"));
    EXPECT_EQ(Prefix::parse("10.0.0.0/9").last(), addr("10.127.255.255"));
}

TEST(PrefixTest, LastAddressV6) {
    EXPECT_EQ(Prefix::parse("2001:db8::/32").last(),
              addr("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
    EXPECT_EQ(Prefix::parse("2001:db8::80/121").last(), addr("2001:db8::ff"));
    EXPECT_EQ(Prefix::parse("2001:db8::1/128").last(), addr("2001:db8::1"));
    EXPECT_EQ(Prefix::parse("::/0").last(), addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
}

TEST(PrefixTest, ContainsV4) {
    const Prefix prefix = Prefix::parse("192.0.2.32/27");
    EXPECT_FALSE(prefix.contains(addr("192.0.2.31")));
    EXPECT_TRUE(prefix.contains(addr("192.0.2.32")));
    EXPECT_TRUE(prefix.contains(addr("192.0.2.63")));
    EXPECT_FALSE(prefix.contains(addr("192.0.2.64")));

    const Prefix host = Prefix::parse("192.0.2.1/32");
    EXPECT_TRUE(host.contains(addr("192.0.2.1")));
    EXPECT_FALSE(host.contains(addr("192.0.2.2")));

    const Prefix any = Prefix::any(Family::V4);
    EXPECT_TRUE(any.contains(addr("0.0.0.0")));
    EXPECT_TRUE(any.contains(addr("255.255.255.255")));
}

TEST(PrefixTest, ContainsV6) {
    const Prefix prefix = Prefix::parse("2001:db8::80/121");
    EXPECT_FALSE(prefix.contains(addr("2001:db8::7f")));
    EXPECT_TRUE(prefix.contains(addr("2001:db8::80")));
    EXPECT_TRUE(prefix.contains(addr("2001:db8::ff")));
    EXPECT_FALSE(prefix.contains(addr("2001:db8::100")));

    const Prefix host = Prefix::parse("2001:db8::1/128");
    EXPECT_TRUE(host.contains(addr("2001:db8::1")));
    EXPECT_FALSE(host.contains(addr("2001:db8::")));

    EXPECT_TRUE(Prefix::any(Family::V6).contains(addr("ffff::1")));
    EXPECT_TRUE(Prefix::parse("fe80::/10").contains(addr("febf::1")));
    EXPECT_FALSE(Prefix::parse("fe80::/10").contains(addr("fec0::1")));
}

TEST(PrefixTest, FamiliesNeverMix) {
    EXPECT_FALSE(Prefix::any(Family::V4).contains(addr("::")));
    EXPECT_FALSE(Prefix::any(Family::V6).contains(addr("0.0.0.0")));
    EXPECT_FALSE(Prefix::parse("::ffff:0:0/96").contains(addr("192.0.2.1")));
    EXPECT_TRUE(Prefix::parse("::ffff:0:0/96").contains(addr("::ffff:192.0.2.1")));
}

TEST(PrefixTest, OrdersAndCompares) {
    EXPECT_EQ(Prefix::parse("192.0.2.0/24"), Prefix::of(addr("192.0.2.200"), 24));
    EXPECT_NE(Prefix::parse("192.0.2.0/24"), Prefix::parse("192.0.2.0/25"));
    EXPECT_LT(Prefix::parse("192.0.2.0/24"), Prefix::parse("192.0.2.0/25"));
    EXPECT_LT(Prefix::parse("10.0.0.0/8"), Prefix::parse("192.0.2.0/24"));
    EXPECT_LT(Prefix::parse("255.0.0.0/8"), Prefix::parse("::/0"));
}

TEST(PrefixTest, RejectsTooLongLength) {
    EXPECT_EQ(parseError("192.0.2.0/33"), "\"192.0.2.0/33\": prefix length 33 exceeds 32 for IPv4");
    EXPECT_EQ(parseError("2001:db8::/129"),
              "\"2001:db8::/129\": prefix length 129 exceeds 128 for IPv6");
    EXPECT_THAT(parseError("::/99999999999999999999"),
                HasSubstr("prefix length 9999999999... exceeds 128 for IPv6"));
}

TEST(PrefixTest, RejectsHostBits) {
    EXPECT_EQ(parseError("192.0.2.1/24"),
              "\"192.0.2.1/24\" has host bits set (did you mean 192.0.2.0/24?)");
    EXPECT_EQ(parseError("2001:db8::81/121"),
              "\"2001:db8::81/121\" has host bits set (did you mean 2001:db8::80/121?)");
    EXPECT_THAT(parseError("0.0.0.1/0"), HasSubstr("(did you mean 0.0.0.0/0?)"));
}

TEST(PrefixTest, RejectsBadLength) {
    EXPECT_EQ(parseError("192.0.2.0/"), "\"192.0.2.0/\" has no prefix length after \"/\"");
    for (const char* text : {"192.0.2.0/+24", "192.0.2.0/-1", "192.0.2.0/24abc", "192.0.2.0/0x8",
                             "192.0.2.0/2 4", "192.0.2.0/24/8", "2001:db8::/3 2"}) {
        EXPECT_THAT(parseError(text), HasSubstr("is not a decimal number")) << text;
    }
    EXPECT_EQ(parseError("192.0.2.0/+24"),
              "\"192.0.2.0/+24\": prefix length \"+24\" is not a decimal number");
}

TEST(PrefixTest, RejectsBadAddress) {
    EXPECT_EQ(parseError("10.0.0.256/24"),
              "\"10.0.0.256/24\": \"10.0.0.256\" is not an IPv4 or IPv6 address");
    EXPECT_EQ(parseError("/24"), "\"/24\" has no address before \"/\"");
    EXPECT_THAT(parseError("fe80::%eth0/64"), HasSubstr("zone ids are not supported"));
    EXPECT_EQ(parseError("10.0.0.256"), "\"10.0.0.256\" is not an IPv4 or IPv6 address");
}

TEST(PrefixTest, RejectsEmptyAndWhitespace) {
    EXPECT_EQ(parseError(""), "\"\" is empty: a prefix is needed (ADDRESS or ADDRESS/LENGTH)");
    EXPECT_EQ(parseError(" 192.0.2.0/24"), "\" 192.0.2.0/24\" has leading or trailing whitespace");
    EXPECT_EQ(parseError("192.0.2.0/24\n"),
              "\"192.0.2.0/24\\x0a\" has leading or trailing whitespace");
}

TEST(PrefixTest, AcceptsLeadingZerosInLength) {
    EXPECT_EQ(Prefix::parse("192.0.2.0/024").length(), 24);
}

} // namespace
} // namespace fwx::net
