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

// A PrimaryConnection, whichever of the contract's two forms fwxd sends: (ssqsq) since
// API 1.0, (sssqsq) with the address family in second place before it.
struct Primary {
    std::string transport;
    std::string clientAddress;
    std::uint16_t clientPort = 0;
    std::string serverAddress;
    std::uint16_t serverPort = 0;
};

using Primary5 = sdbus::Struct<std::string, std::string, std::uint16_t, std::string, std::uint16_t>;
using Primary6 =
    sdbus::Struct<std::string, std::string, std::string, std::uint16_t, std::string, std::uint16_t>;

std::optional<Primary> primaryOf(const sdbus::Variant& value) {
    if (value.containsValueOfType<Primary5>()) {
        const auto p = value.get<Primary5>();
        return Primary{p.get<0>(), p.get<1>(), p.get<2>(), p.get<3>(), p.get<4>()};
    }
    if (value.containsValueOfType<Primary6>()) {
        const auto p = value.get<Primary6>();
        return Primary{p.get<0>(), p.get<2>(), p.get<3>(), p.get<4>(), p.get<5>()};
    }
    return std::nullopt;
}

// fwxd reports "no primary connection" as empty strings and zeros.
bool isAbsentPrimary(std::string_view key, const sdbus::Variant& value) {
    if (key != "PrimaryConnection") {
        return false;
    }
    const auto primary = primaryOf(value);
    return primary && primary->transport.empty();
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
            if (primary->transport.empty()) {
                return "none";
            }
            return primary->transport + " " +
                   endpoint(primary->clientAddress, primary->clientPort) + " -> " +
                   endpoint(primary->serverAddress, primary->serverPort);
        }
    }
    return toText(value);
}

std::string propertiesText(const std::map<std::string, sdbus::Variant>& values) {
    std::string text;
    for (const auto& [key, value] : values) {
        text += (text.empty() ? "" : " ") + key + "=" + propertyText(key, value);
    }
    return text;
}

} // namespace fwx::cli
