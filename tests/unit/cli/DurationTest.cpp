#include "cli/Duration.hpp"

#include "error/Error.hpp"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace {

using fwx::cli::parseDuration;
using std::chrono::microseconds;
using namespace std::chrono_literals;

std::string errorOf(const std::string& text) {
    try {
        parseDuration(text);
    } catch (const fwx::Error& e) {
        EXPECT_EQ(e.code(), fwx::ErrorCode::InvalidArgument);
        return e.what();
    }
    ADD_FAILURE() << "\"" << text << "\" parsed";
    return {};
}

TEST(Duration, UnitsConvertToMicroseconds) {
    EXPECT_EQ(parseDuration("30s"), microseconds(30s));
    EXPECT_EQ(parseDuration("1500ms"), microseconds(1500ms));
    EXPECT_EQ(parseDuration("2m"), microseconds(2min));
    EXPECT_EQ(parseDuration("1h"), microseconds(1h));
    EXPECT_EQ(parseDuration("250us"), 250us);
}

TEST(Duration, PlainNumberIsSeconds) {
    EXPECT_EQ(parseDuration("10"), microseconds(10s));
    EXPECT_EQ(parseDuration("007"), microseconds(7s));
}

TEST(Duration, LargestValueFits) {
    EXPECT_EQ(parseDuration("9223372036854775807us").count(), 9223372036854775807LL);
}

TEST(Duration, EmptyIsAnError) {
    EXPECT_NE(errorOf("").find("duration \"\": empty"), std::string::npos);
}

TEST(Duration, NotANumberSaysWhatIsExpected) {
    const std::string message = errorOf("soon");
    EXPECT_NE(message.find("duration \"soon\": not a number"), std::string::npos) << message;
    EXPECT_NE(message.find("30s, 1.5s, 1500ms, 2m, 1h"), std::string::npos) << message;
}

TEST(Duration, UnknownUnitIsNamed) {
    EXPECT_EQ(errorOf("10x"), "duration \"10x\": unknown unit \"x\" (use us, ms, s, m or h)");
    EXPECT_NE(errorOf("10 s").find("unknown unit \" s\""), std::string::npos);
    EXPECT_NE(errorOf("1d").find("unknown unit \"d\""), std::string::npos);
}

TEST(Duration, SignsAreRefused) {
    EXPECT_NE(errorOf("-5s").find("not a number"), std::string::npos);
    EXPECT_NE(errorOf("+5s").find("not a number"), std::string::npos);
}

TEST(Duration, FractionsOfEveryUnit) {
    EXPECT_EQ(parseDuration("1.5s"), 1500ms);
    EXPECT_EQ(parseDuration("0.25m"), microseconds(15s));
    EXPECT_EQ(parseDuration("0.5h"), microseconds(30min));
    EXPECT_EQ(parseDuration("2.5ms"), 2500us);
    EXPECT_EQ(parseDuration("0.5"), 500ms) << "a plain number is seconds, fractions too";
    EXPECT_EQ(parseDuration("1.000001s"), 1000001us);
    EXPECT_EQ(parseDuration("1.50000000000000000000s"), 1500ms) << "trailing zeros are free";
    EXPECT_EQ(parseDuration("0.00000001h"), 36us);
}

TEST(Duration, FractionsFinerThanAMicrosecondAreRefused) {
    EXPECT_EQ(errorOf("1.5us"),
              "duration \"1.5us\": finer than a microsecond (not a whole number of microseconds)");
    EXPECT_NE(errorOf("0.0000001s").find("finer than a microsecond"), std::string::npos);
    EXPECT_NE(errorOf("0.000000001h").find("finer than a microsecond"), std::string::npos)
        << "3.6 us";
    EXPECT_NE(errorOf("0.0000000000001h").find("finer than a microsecond"), std::string::npos);
}

TEST(Duration, MalformedFractionsSayWhatIsWrong) {
    EXPECT_NE(errorOf(".5s").find("not a number"), std::string::npos);
    EXPECT_EQ(errorOf("5.s"), "duration \"5.s\": no digits after the decimal point (e.g. 1.5s)");
    EXPECT_EQ(errorOf("5."), "duration \"5.\": no digits after the decimal point (e.g. 1.5s)");
    EXPECT_NE(errorOf("1.2.3s").find("unknown unit \".3s\""), std::string::npos);
    EXPECT_EQ(errorOf("1,5s"),
              "duration \"1,5s\": unknown unit \",5s\" (use us, ms, s, m or h; fractions take a "
              "point: 1.5s)");
    EXPECT_NE(errorOf("1e3s").find("unknown unit \"e3s\""), std::string::npos);
    EXPECT_NE(errorOf("1.5 s").find("unknown unit \" s\""), std::string::npos);
}

TEST(Duration, ZeroIsAnError) {
    EXPECT_EQ(errorOf("0s"), "duration \"0s\": must be greater than zero");
    EXPECT_EQ(errorOf("0"), "duration \"0\": must be greater than zero");
    EXPECT_EQ(errorOf("0.000s"), "duration \"0.000s\": must be greater than zero");
}

TEST(Duration, OverflowIsAnError) {
    EXPECT_EQ(errorOf("9223372036854775808us"), "duration \"9223372036854775808us\": too large");
    EXPECT_EQ(errorOf("99999999999999999999"), "duration \"99999999999999999999\": too large");
    EXPECT_EQ(errorOf("2562048000h"), "duration \"2562048000h\": too large");
    EXPECT_EQ(errorOf("9223372036854.775808s"), "duration \"9223372036854.775808s\": too large")
        << "the fraction tips it over";
    EXPECT_EQ(parseDuration("9223372036854.775807s").count(), 9223372036854775807LL);
}

} // namespace
