#include "config/LineReader.hpp"
#include "config/Values.hpp"
#include "net/InvalidArgument.hpp"

#include <chrono>
#include <cstdint>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fwx::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ConfigValuesTest, ParsesNumbersAtTheirBounds) {
    EXPECT_EQ(parseNumber("1", 1, 1024), 1U);
    EXPECT_EQ(parseNumber("1024", 1, 1024), 1024U);
    EXPECT_EQ(parseNumber("007", 1, 1024), 7U);
    EXPECT_EQ(parseNumber("4294967295", 1, UINT32_MAX), UINT32_MAX);
    EXPECT_EQ(parseSeconds("30", 1, 60), std::chrono::seconds(30));
    EXPECT_EQ(net::test::invalidArgumentMessage([] { parseNumber("99999999999999999999", 1, 5); }),
              "\"99999999999999999999\": expected a number from 1 to 5");
}

TEST(ConfigValuesTest, SplitsLists) {
    EXPECT_THAT(parseList(""), IsEmpty());
    EXPECT_THAT(parseList(" , ,\t"), IsEmpty());
    EXPECT_THAT(parseList("a"), ElementsAre("a"));
    EXPECT_THAT(parseList("a,b c\t d,,e"), ElementsAre("a", "b", "c", "d", "e"));
}

TEST(ConfigValuesTest, QuotesControlCharactersInMessages) {
    EXPECT_EQ(net::test::invalidArgumentMessage([] { parseNumber("1\x01", 1, 5); }),
              "\"1\\x01\": expected a number from 1 to 5");
}

TEST(ConfigValuesTest, ParsesAddresses) {
    EXPECT_THAT(parseAddresses("10.71.1.1,fd71:1::1"),
                ElementsAre(net::Address::parse("10.71.1.1"), net::Address::parse("fd71:1::1")));
    EXPECT_THAT(parseAddresses(""), IsEmpty());
}

TEST(ConfigValuesTest, NormalizesLinesForInih) {
    EXPECT_EQ(normalizeLine("  \tKey=Value"), "Key=Value");
    EXPECT_EQ(normalizeLine("Key=Value # comment"), "Key=Value ");
    EXPECT_EQ(normalizeLine("Key=Value\t#comment # more"), "Key=Value\t");
    EXPECT_EQ(normalizeLine("Key=a#b"), "Key=a#b");
    EXPECT_EQ(normalizeLine("  # whole line"), "# whole line");
    EXPECT_EQ(normalizeLine(""), "");
}

} // namespace
} // namespace fwx::config
