#include "cli/Output.hpp"

#include <array>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

namespace fwx::cli {

Output::Output(bool json)
    : json_(json) {
}

void Output::line(const std::string& text) const {
    std::cout << text << '\n' << std::flush;
}

// JSON output is ASCII (ensure_ascii): every other character is a \uXXXX escape, so a
// client's text cannot reach a terminal as a control character there either.
void Output::document(const Json& value) const {
    std::cout << value.dump(2, ' ', true) << '\n' << std::flush;
}

void Output::record(const Json& value) const {
    std::cout << value.dump(-1, ' ', true) << '\n' << std::flush;
}

namespace {

using Dictionary = std::map<std::string, sdbus::Variant>;

template <typename T> Json arrayOf(const sdbus::Variant& value) {
    Json array = Json::array();
    for (const auto& item : value.get<std::vector<T>>()) {
        if constexpr (std::is_same_v<T, sdbus::ObjectPath>) {
            array.push_back(std::string(item));
        } else {
            array.push_back(item);
        }
    }
    return array;
}

} // namespace

// sdbus-c++ 1.2 reads a variant only as a type known at compile time, so this covers the
// types fwxd's API uses (and a few more); anything else shows as its signature.
Json toJson(const sdbus::Variant& value) {
    const std::string type = value.peekValueType();
    if (type == "s") {
        return value.get<std::string>();
    }
    if (type == "o") {
        return std::string(value.get<sdbus::ObjectPath>());
    }
    if (type == "b") {
        return value.get<bool>();
    }
    if (type == "y") {
        return value.get<std::uint8_t>();
    }
    if (type == "n") {
        return value.get<std::int16_t>();
    }
    if (type == "q") {
        return value.get<std::uint16_t>();
    }
    if (type == "i") {
        return value.get<std::int32_t>();
    }
    if (type == "u") {
        return value.get<std::uint32_t>();
    }
    if (type == "x") {
        return value.get<std::int64_t>();
    }
    if (type == "t") {
        return value.get<std::uint64_t>();
    }
    if (type == "d") {
        return value.get<double>();
    }
    if (type == "v") {
        return toJson(value.get<sdbus::Variant>());
    }
    if (type == "as") {
        return arrayOf<std::string>(value);
    }
    if (type == "ao") {
        return arrayOf<sdbus::ObjectPath>(value);
    }
    if (type == "aq") {
        return arrayOf<std::uint16_t>(value);
    }
    if (type == "a{sv}") {
        return toJson(value.get<Dictionary>());
    }
    if (type == "(qq)") {
        const auto pair = value.get<sdbus::Struct<std::uint16_t, std::uint16_t>>();
        return Json::array({pair.get<0>(), pair.get<1>()});
    }
    if (type == "(ssqsq)") { // Session1.PrimaryConnection
        const auto primary = value.get<
            sdbus::Struct<std::string, std::string, std::uint16_t, std::string, std::uint16_t>>();
        return Json::array({primary.get<0>(), primary.get<1>(), primary.get<2>(), primary.get<3>(),
                            primary.get<4>()});
    }
    return Json{{"signature", type}};
}

Json toJson(const Dictionary& values) {
    Json object = Json::object();
    for (const auto& [key, value] : values) {
        object[key] = toJson(value);
    }
    return object;
}

namespace {

std::string toText(const Json& value) {
    if (value.is_string()) {
        return value.get<std::string>();
    }
    if (value.is_array()) {
        std::string text;
        bool first = true;
        for (const auto& item : value) {
            text += (first ? "" : ",") + toText(item);
            first = false;
        }
        return text;
    }
    if (value.is_object()) {
        std::string text;
        bool first = true;
        for (const auto& [key, item] : value.items()) {
            text += (first ? "" : ",") + key + ":" + toText(item);
            first = false;
        }
        return "{" + text + "}";
    }
    return value.dump();
}

} // namespace

std::string toText(const sdbus::Variant& value) {
    const std::string type = value.peekValueType();
    const Json json = toJson(value);
    // Structs read better in parentheses: PortRange (41000,41999).
    if (type.starts_with('(')) {
        return "(" + toText(json) + ")";
    }
    return toText(json);
}

std::string toText(const Dictionary& values) {
    std::string text;
    for (const auto& [key, value] : values) {
        text += (text.empty() ? "" : " ") + key + "=" + toText(value);
    }
    return text;
}

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        const bool c1 = byte == 0xc2 && i + 1 < text.size() &&
                        static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                        static_cast<unsigned char>(text[i + 1]) <= 0x9f;
        if (c1) { // e.g. CSI (U+009B): both bytes
            out += fmt::format("\\x{:02x}\\x{:02x}", byte, static_cast<unsigned char>(text[++i]));
        } else if (byte < 0x20 || byte == 0x7f || byte == '\\' || byte == '"') {
            out += fmt::format("\\x{:02x}", byte);
        } else {
            out += static_cast<char>(byte);
        }
    }
    return out;
}

std::string quotedText(std::string_view text) {
    return "\"" + printable(text) + "\"";
}

// fmt formats the offset itself: strftime's %z has no colon ("+0200"), and ISO 8601's
// extended format, which the date and time use, wants one ("+02:00").
std::string formatRealtime(std::uint64_t usec) {
    if (usec == 0) {
        return "never";
    }
    const auto seconds = static_cast<std::time_t>(usec / 1000000U);
    const auto millis = static_cast<unsigned>(usec % 1000000U / 1000U);
    std::tm local{};
    localtime_r(&seconds, &local);
    std::array<char, 64> buffer{};
    const std::size_t length = std::strftime(buffer.data(), buffer.size(), "%FT%T", &local);
    const long offsetMinutes = local.tm_gmtoff / 60;
    const long absolute = offsetMinutes < 0 ? -offsetMinutes : offsetMinutes;
    return fmt::format("{}.{:03}{}{:02}:{:02}", std::string_view(buffer.data(), length), millis,
                       offsetMinutes < 0 ? '-' : '+', absolute / 60, absolute % 60);
}

} // namespace fwx::cli
