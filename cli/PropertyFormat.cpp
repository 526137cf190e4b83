#include "cli/PropertyFormat.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace fwx::cli {

namespace {

// Properties that hold a CLOCK_REALTIME time in µs (0 = never), by the D-Bus contract.
constexpr std::array<std::string_view, 1> RealtimeKeys{"ExpiresAt"};

bool isTime(std::string_view key, const sdbus::Variant& value) {
    return std::find(RealtimeKeys.begin(), RealtimeKeys.end(), key) != RealtimeKeys.end() &&
           value.containsValueOfType<std::uint64_t>();
}

// A PrimaryConnection (ssqsq): transport, client address and port, server address and port.
using Primary = sdbus::Struct<std::string, std::string, std::uint16_t, std::string, std::uint16_t>;

std::optional<Primary> primaryOf(const sdbus::Variant& value) {
    if (value.containsValueOfType<Primary>()) {
        return value.get<Primary>();
    }
    return std::nullopt;
}

// fwxd reports "no primary connection" as empty strings and zeros.
bool isAbsentPrimary(std::string_view key, const sdbus::Variant& value) {
    if (key != "PrimaryConnection") {
        return false;
    }
    const auto primary = primaryOf(value);
    return primary && primary->get<0>().empty();
}

std::string endpoint(const std::string& host, std::uint16_t port) {
    return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
           std::to_string(port);
}

} // namespace

Json propertyJson(const std::string& key, const sdbus::Variant& value) {
    if (isTime(key, value)) {
        const auto usec = value.get<std::uint64_t>();
        return usec == 0 ? Json(nullptr) : Json(formatRealtime(usec));
    }
    if (isAbsentPrimary(key, value)) {
        return nullptr;
    }
    return toJson(value);
}

Json propertiesJson(const std::map<std::string, sdbus::Variant>& values) {
    Json object = Json::object();
    for (const auto& [key, value] : values) {
        object[key] = propertyJson(key, value);
    }
    return object;
}

std::string propertyText(const std::string& key, const sdbus::Variant& value) {
    if (isTime(key, value)) {
        return formatRealtime(value.get<std::uint64_t>());
    }
    if (key == "PrimaryConnection") {
        if (const auto primary = primaryOf(value)) {
            if (primary->get<0>().empty()) {
                return "none";
            }
            return printable(primary->get<0>() + " " +
                             endpoint(primary->get<1>(), primary->get<2>()) + " -> " +
                             endpoint(primary->get<3>(), primary->get<4>()));
        }
    }
    if (key == "Description" && value.containsValueOfType<std::string>()) {
        return quotedText(value.get<std::string>());
    }
    return printable(toText(value));
}

std::string propertiesText(const std::map<std::string, sdbus::Variant>& values) {
    std::string text;
    for (const auto& [key, value] : values) {
        text += (text.empty() ? "" : " ") + key + "=" + propertyText(key, value);
    }
    return text;
}

} // namespace fwx::cli
