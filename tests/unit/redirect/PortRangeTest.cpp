#include "redirect/PortRange.hpp"

#include "error/Error.hpp"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fwx::redirect {
namespace {

using ::testing::HasSubstr;

// The message of the InvalidArgument error parse(text) throws.
std::string parseError(const std::string& text) {
    try {
        PortRange::parse(text);
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument) << text;
        return e.what();
    }
    ADD_FAILURE() << "\"" << text << "\" was accepted";
    return {};
}

TEST(PortRange, ParsesFirstAndLast) {
    const PortRange r = PortRange::parse("41000-41999");
    EXPECT_EQ(r.first(), 41000);
    EXPECT_EQ(r.last(), 41999);
    EXPECT_EQ(r.size(), 1000U);
    EXPECT_EQ(r.toString(), "41000-41999");
}

TEST(PortRange, AcceptsTheExtremes) {
    const PortRange all = PortRange::parse("1-65535");
    EXPECT_EQ(all.size(), 65535U);
    const PortRange one = PortRange::parse("65535-65535");
    EXPECT_EQ(one.size(), 1U);
    EXPECT_TRUE(one.contains(65535));
    EXPECT_FALSE(one.contains(65534));
}

TEST(PortRange, RejectsReversed) {
    EXPECT_THAT(parseError("41999-41000"), HasSubstr("41999-41000 is reversed"));
    EXPECT_THAT(parseError("41999-41000"), HasSubstr("did you mean 41000-41999?"));
}

TEST(PortRange, RejectsPortZero) {
    EXPECT_THAT(parseError("0-100"), HasSubstr("port 0 cannot be allocated"));
    EXPECT_THAT(parseError("0-0"), HasSubstr("port 0 cannot be allocated"));
}

TEST(PortRange, RejectsPortsAbove65535) {
    EXPECT_THAT(parseError("41000-65536"), HasSubstr("last port 65536 is above 65535"));
    EXPECT_THAT(parseError("70000-80000"), HasSubstr("first port 70000 is above 65535"));
    EXPECT_THAT(parseError("1-99999999999999999999"),
                HasSubstr("last port 99999999999999999999 is above 65535"));
}

TEST(PortRange, RejectsJunk) {
    EXPECT_THAT(parseError("41000"), HasSubstr("is not of the form FIRST-LAST"));
    EXPECT_THAT(parseError(""), HasSubstr("is not of the form FIRST-LAST"));
    EXPECT_THAT(parseError("-41999"), HasSubstr("the first port is missing"));
    EXPECT_THAT(parseError("41000-"), HasSubstr("the last port is missing"));
    EXPECT_THAT(parseError("41000--41999"), HasSubstr("\"-41999\" is not a port number"));
    EXPECT_THAT(parseError("4100x-41999"), HasSubstr("\"4100x\" is not a port number"));
    EXPECT_THAT(parseError(" 41000-41999"), HasSubstr("\" 41000\" is not a port number"));
    EXPECT_THAT(parseError("41000-41999 "), HasSubstr("\"41999 \" is not a port number"));
    EXPECT_THAT(parseError("+41000-41999"), HasSubstr("\"+41000\" is not a port number"));
    EXPECT_THAT(parseError("41000-41999-42000"), HasSubstr("\"41999-42000\" is not a port"));
}

TEST(PortRange, ConstructorChecksToo) {
    EXPECT_THROW(PortRange(0, 10), Error);
    EXPECT_THROW(PortRange(10, 9), Error);
    EXPECT_EQ(PortRange(10, 10).size(), 1U);
}

} // namespace
} // namespace fwx::redirect
