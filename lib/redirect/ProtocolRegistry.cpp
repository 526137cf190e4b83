#include "redirect/ProtocolRegistry.hpp"

#include "error/Error.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include <fmt/format.h>

namespace fwx::redirect {

namespace {

// 8-4-4-4-12 hex digits.
bool isGuid(std::string_view text) {
    static constexpr std::size_t dashes[] = {8, 13, 18, 23};
    if (text.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool dash = std::find(std::begin(dashes), std::end(dashes), i) != std::end(dashes);
        const auto c = static_cast<unsigned char>(text[i]);
        if (dash ? c != '-' : std::isxdigit(c) == 0) {
            return false;
        }
    }
    return true;
}

void checkSpec(const ProtocolSpec& spec) {
    if (spec.name.empty()) {
        throwInvalid("spec: Name must not be empty");
    }
    if (std::find(spec.primaryPorts.begin(), spec.primaryPorts.end(), 0) !=
        spec.primaryPorts.end()) {
        throwInvalid("spec: PrimaryPorts must not contain port 0");
    }
    const auto& helpers = ProtocolRegistry::knownHelpers();
    if (!spec.helper.empty() &&
        std::find(helpers.begin(), helpers.end(), spec.helper) == helpers.end()) {
        throwInvalid(fmt::format("spec: Helper \"{}\" is not a kernel conntrack helper (known: {})",
                                 spec.helper, fmt::join(helpers, ", ")));
    }
}

} // namespace

const std::vector<std::string_view>& ProtocolRegistry::knownHelpers() {
    static const std::vector<std::string_view> helpers = {
        "amanda", "ftp", "h323", "irc", "netbios-ns", "pptp", "sane", "sip", "snmp", "tftp"};
    return helpers;
}

std::string ProtocolRegistry::canonicalGuid(std::string_view text) {
    std::string_view inner = text;
    if (inner.size() >= 2 && inner.front() == '{' && inner.back() == '}') {
        inner = inner.substr(1, inner.size() - 2);
    }
    if (!isGuid(inner)) {
        throwInvalid(fmt::format(
            "protocol GUID \"{}\" is not of the form XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX", text));
    }
    std::string guid(inner);
    std::transform(guid.begin(), guid.end(), guid.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return guid;
}

ProtocolRegistry::ProtocolRegistry(std::size_t maxProtocols)
    : maxProtocols_(maxProtocols) {
}

const Protocol& ProtocolRegistry::add(std::string_view guid, ProtocolSpec spec,
                                      const std::string& owner) {
    std::string key = canonicalGuid(guid);
    checkSpec(spec);
    if (protocols_.contains(key)) {
        throwInvalid(fmt::format("protocol {} is already registered", key));
    }
    if (protocols_.size() >= maxProtocols_) {
        throw Error(ErrorCode::QuotaExceeded,
                    fmt::format("{} protocols are registered, the most fwxd keeps", maxProtocols_));
    }
    Protocol protocol{key, std::move(spec), owner};
    return protocols_.emplace(std::move(key), std::move(protocol)).first->second;
}

void ProtocolRegistry::remove(std::string_view guid) {
    protocols_.erase(get(guid).guid);
}

const Protocol& ProtocolRegistry::get(std::string_view guid) const {
    const std::string key = canonicalGuid(guid);
    const auto it = protocols_.find(key);
    if (it == protocols_.end()) {
        throw Error(ErrorCode::UnknownProtocol, fmt::format("protocol {} is not registered", key));
    }
    return it->second;
}

} // namespace fwx::redirect
