#include "config/Keys.hpp"

#include "config/Values.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <string>

#include <fmt/format.h>

namespace fwx::config {

namespace {

// A request allocates its ports in one kernel transaction; far more than any protocol
// needs (H.323 and SIP media use a handful) and it keeps one transaction small.
constexpr std::uint32_t maxPortsPerRequestLimit = 1024;
constexpr std::uint32_t unlimited = std::numeric_limits<std::uint32_t>::max();

void setInternalAddresses(Config& config, std::string_view value) {
    config.redirect.internalAddresses = parseAddresses(value);
}

void setPortRange(Config& config, std::string_view value) {
    config.redirect.portRange = redirect::PortRange::parse(value);
}

void setMaxPortsPerRequest(Config& config, std::string_view value) {
    config.redirect.maxPortsPerRequest = parseNumber(value, 1, maxPortsPerRequestLimit);
}

void setDefaultTimeout(Config& config, std::string_view value) {
    config.redirect.defaultTimeout = parseSeconds(value, 1, unlimited);
}

void setMaxTimeout(Config& config, std::string_view value) {
    config.redirect.maxTimeout = parseSeconds(value, 1, unlimited);
}

void setAllowedUsers(Config& config, std::string_view value) {
    config.access.allowedUsers = parseList(value);
}

void setAllowedGroups(Config& config, std::string_view value) {
    config.access.allowedGroups = parseList(value);
}

void setAdminUsers(Config& config, std::string_view value) {
    config.access.adminUsers = parseList(value);
}

void setAdminGroups(Config& config, std::string_view value) {
    config.access.adminGroups = parseList(value);
}

void setMaxSessionsPerClient(Config& config, std::string_view value) {
    config.access.maxSessionsPerClient = parseNumber(value, 1, unlimited);
}

void setMaxActionsPerClient(Config& config, std::string_view value) {
    config.access.maxActionsPerClient = parseNumber(value, 1, unlimited);
}

void setMaxSessionsPerUser(Config& config, std::string_view value) {
    config.access.maxSessionsPerUser = parseNumber(value, 1, unlimited);
}

void setMaxActionsPerUser(Config& config, std::string_view value) {
    config.access.maxActionsPerUser = parseNumber(value, 1, unlimited);
}

// Below a page the kernel rounds up anyway; above 1 GiB is a typo.
constexpr std::uint32_t minEventBuffer = 4096;
constexpr std::uint32_t maxEventBuffer = 1U << 30;

void setMaxProtocolsPerUser(Config& config, std::string_view value) {
    config.access.maxProtocolsPerUser = parseNumber(value, 1, Config::MaxProtocols);
}

void setEventFilter(Config& config, std::string_view value) {
    config.conntrack.eventFilter = parseBoolean(value);
}

void setEventBufferBytes(Config& config, std::string_view value) {
    config.conntrack.eventBufferBytes = parseNumber(value, minEventBuffer, maxEventBuffer);
}

// A day: beyond it an idle flow is a leak, not a pause.
constexpr std::uint32_t maxUdpIdleTimeout = 86400;

void setUdpIdleTimeout(Config& config, std::string_view value) {
    config.relay.udpIdleTimeout = parseSeconds(value, 1, maxUdpIdleTimeout);
}

constexpr std::array keys{
    Key{"Redirect", "InternalAddresses", setInternalAddresses},
    Key{"Redirect", "PortRange", setPortRange},
    Key{"Redirect", "MaxPortsPerRequest", setMaxPortsPerRequest},
    Key{"Redirect", "DefaultTimeoutSec", setDefaultTimeout},
    Key{"Redirect", "MaxTimeoutSec", setMaxTimeout},
    Key{"Access", "AllowedUsers", setAllowedUsers},
    Key{"Access", "AllowedGroups", setAllowedGroups},
    Key{"Access", "AdminUsers", setAdminUsers},
    Key{"Access", "AdminGroups", setAdminGroups},
    Key{"Access", "MaxSessionsPerClient", setMaxSessionsPerClient},
    Key{"Access", "MaxActionsPerClient", setMaxActionsPerClient},
    Key{"Access", "MaxSessionsPerUser", setMaxSessionsPerUser},
    Key{"Access", "MaxActionsPerUser", setMaxActionsPerUser},
    Key{"Access", "MaxProtocolsPerUser", setMaxProtocolsPerUser},
    Key{"Conntrack", "EventFilter", setEventFilter},
    Key{"Conntrack", "EventBufferBytes", setEventBufferBytes},
    Key{"Relay", "UdpIdleTimeoutSec", setUdpIdleTimeout},
};

constexpr std::array sections{std::string_view{"Redirect"}, std::string_view{"Access"},
                              std::string_view{"Conntrack"}, std::string_view{"Relay"}};

} // namespace

std::span<const Key> allKeys() {
    return keys;
}

const Key* findKey(std::string_view section, std::string_view name) {
    const auto* key = std::find_if(keys.begin(), keys.end(), [&](const Key& k) {
        return k.section == section && k.name == name;
    });
    return key == keys.end() ? nullptr : key;
}

bool isSection(std::string_view section) {
    return std::find(sections.begin(), sections.end(), section) != sections.end();
}

std::string keyNames(std::string_view section) {
    std::string names;
    for (const Key& key : keys) {
        if (key.section == section) {
            names += names.empty() ? "" : ", ";
            names += key.name;
        }
    }
    return names;
}

std::string sectionNames() {
    return fmt::format("[{}]", fmt::join(sections, "], ["));
}

} // namespace fwx::config
