// How fwxctl prints values: times as ISO 8601 in text and JSON alike, an absent
// PrimaryConnection as nothing (null, "none"), D-Bus values as JSON.
#include "cli/Output.hpp"

#include "cli/PropertyFormat.hpp"

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

using namespace fwx::cli;

// 2024-05-01T12:00:03.250Z
constexpr std::uint64_t May1 = 1714564803250000U;

// Runs each test in a time zone it names, and restores the previous one.
class OutputFormat : public ::testing::Test {
protected:
    void SetUp() override {
        const char* tz = std::getenv("TZ");
        saved_ = tz == nullptr ? std::nullopt : std::optional<std::string>(tz);
    }
    void TearDown() override {
        if (saved_) {
            setenv("TZ", saved_->c_str(), 1);
        } else {
            unsetenv("TZ");
        }
        tzset();
    }
    static void zone(const char* tz) {
        setenv("TZ", tz, 1);
        tzset();
    }

private:
    std::optional<std::string> saved_;
};

using Primary = sdbus::Struct<std::string, std::string, std::uint16_t, std::string, std::uint16_t>;

TEST_F(OutputFormat, RealtimeIsIso8601WithMillisecondsAndOffset) {
    zone("UTC0");
    EXPECT_EQ(formatRealtime(May1), "2024-05-01T12:00:03.250+00:00");
    zone("FWX-02:30"); // POSIX: east of Greenwich is negative
    EXPECT_EQ(formatRealtime(May1), "2024-05-01T14:30:03.250+02:30");
    zone("FWX+05");
    EXPECT_EQ(formatRealtime(May1), "2024-05-01T07:00:03.250-05:00");
    EXPECT_EQ(formatRealtime(0), "never");
}

TEST_F(OutputFormat, ExpiresAtIsATimeInJsonAndText) {
    zone("UTC0");
    const sdbus::Variant expires(May1);
    EXPECT_EQ(propertyJson("ExpiresAt", expires), Json("2024-05-01T12:00:03.250+00:00"));
    EXPECT_EQ(propertyText("ExpiresAt", expires), "2024-05-01T12:00:03.250+00:00");
    const sdbus::Variant never(std::uint64_t{0});
    EXPECT_TRUE(propertyJson("ExpiresAt", never).is_null());
    EXPECT_EQ(propertyText("ExpiresAt", never), "never");
    EXPECT_EQ(propertyJson("Connections", sdbus::Variant(std::uint32_t{3})), Json(3))
        << "other numbers stay numbers";
}

TEST_F(OutputFormat, ChangedPropertiesShowTheirTimes) {
    zone("UTC0");
    const std::map<std::string, sdbus::Variant> changed{
        {"State", sdbus::Variant(std::string("pending"))},
        {"ExpiresAt", sdbus::Variant(May1)},
        {"Connections", sdbus::Variant(std::uint32_t{0})}};
    EXPECT_EQ(propertiesText(changed),
              "Connections=0 ExpiresAt=2024-05-01T12:00:03.250+00:00 State=pending");
    EXPECT_EQ(propertiesJson(changed).dump(),
              R"({"Connections":0,"ExpiresAt":"2024-05-01T12:00:03.250+00:00","State":"pending"})");
}

TEST_F(OutputFormat, AbsentPrimaryConnectionIsNullAndNone) {
    const sdbus::Variant none(Primary{"", "", 0, "", 0});
    EXPECT_TRUE(propertyJson("PrimaryConnection", none).is_null());
    EXPECT_EQ(propertyText("PrimaryConnection", none), "none");
}

TEST_F(OutputFormat, PrimaryConnectionAsAConnection) {
    const sdbus::Variant v4(Primary{"tcp", "192.0.2.2", 40000, "198.51.100.1", 21});
    EXPECT_EQ(propertyText("PrimaryConnection", v4), "tcp 192.0.2.2:40000 -> 198.51.100.1:21");
    EXPECT_EQ(propertyJson("PrimaryConnection", v4).dump(),
              R"(["tcp","192.0.2.2",40000,"198.51.100.1",21])");
    const sdbus::Variant v6(Primary{"tcp", "2001:db8:c::2", 40000, "2001:db8:5::2", 21});
    EXPECT_EQ(propertyText("PrimaryConnection", v6),
              "tcp [2001:db8:c::2]:40000 -> [2001:db8:5::2]:21");
}

TEST_F(OutputFormat, CallerTextIsEscaped) {
    const sdbus::Variant description(std::string("ftp \x1b[31m\n\"x\" \xc2\x9b Z\xc3\xbc"));
    EXPECT_EQ(propertyText("Description", description), R"("ftp \x1b[31m\x0a\x22x\x22 \xc2\x9b Z)"
                                                        "\xc3\xbc\"");
    EXPECT_EQ(propertyText("Name", sdbus::Variant(std::string("a\tb"))), R"(a\x09b)");
    EXPECT_EQ(propertyJson("Description", description), Json(description.get<std::string>()))
        << "JSON keeps the text; Output makes it ASCII";
}

TEST_F(OutputFormat, DBusValuesAsJson) {
    EXPECT_EQ(toJson(sdbus::Variant(std::string("x"))), Json("x"));
    EXPECT_EQ(toJson(sdbus::Variant(std::vector<std::uint16_t>{21, 20})).dump(), "[21,20]");
    EXPECT_EQ(toJson(sdbus::Variant(sdbus::Variant(true))), Json(true));
    EXPECT_EQ(toText(sdbus::Variant(sdbus::Struct<std::uint16_t, std::uint16_t>{41000, 41999})),
              "(41000,41999)");
    EXPECT_EQ(toJson(sdbus::Variant(std::vector<double>{1.5})).dump(), R"({"signature":"ad"})")
        << "a type fwxd does not use shows its signature";
}

} // namespace
