#include "redirect/ProtocolRegistry.hpp"

#include "error/Error.hpp"
#include "redirect/KernelHelper.hpp"

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
    if (spec.helper.empty()) {
        return;
    }
    const auto helper = findKernelHelper(spec.helper);
    if (!helper) {
        std::vector<std::string_view> names;
        for (const KernelHelper& known : kernelHelpers()) {
            names.push_back(known.name);
        }
        throwInvalid(fmt::format("spec: Helper \"{}\" is not a kernel conntrack helper (known: {})",
                                 spec.helper, fmt::join(names, ", ")));
    }
    if (!helper->serves(spec.transport)) {
        throwInvalid(fmt::format("spec: Helper \"{}\" does not handle {} connections", spec.helper,
                                 net::toString(spec.transport)));
    }
    if (spec.primaryPorts.empty()) {
        throwInvalid(fmt::format("spec: Helper \"{}\" needs PrimaryPorts: it is attached to new "
                                 "connections to those ports",
                                 spec.helper));
    }
}

} // namespace

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

ProtocolRegistry::ProtocolRegistry(NftBackend& nft, std::size_t maxProtocols)
    : nft_(nft)
    , maxProtocols_(maxProtocols) {
}

ProtocolRegistry::~ProtocolRegistry() {
    for (const auto& [guid, protocol] : protocols_) {
        if (!protocol.spec.helper.empty()) {
            try {
                nft_.removeHelper(helperAssignmentOf(protocol));
            } catch (const Error&) {
                // The table and its objects go with the daemon.
            }
        }
    }
}

HelperAssignment ProtocolRegistry::helperAssignmentOf(const Protocol& protocol) {
    return {"helper-" + protocol.guid, protocol.spec.helper, protocol.spec.transport,
            protocol.spec.primaryPorts};
}

// The kernel gives a connection one helper: two protocols cannot share a port for that.
void ProtocolRegistry::checkPortsFree(const ProtocolSpec& spec) const {
    for (const auto& [guid, other] : protocols_) {
        if (other.spec.helper.empty() || other.spec.transport != spec.transport) {
            continue;
        }
        for (const std::uint16_t port : spec.primaryPorts) {
            if (std::find(other.spec.primaryPorts.begin(), other.spec.primaryPorts.end(), port) !=
                other.spec.primaryPorts.end()) {
                throwInvalid(fmt::format(
                    "spec: PrimaryPorts: connections to {}/{} already get helper \"{}\" from "
                    "protocol {} ({})",
                    port, net::toString(spec.transport), other.spec.helper, other.spec.name, guid));
            }
        }
    }
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
    if (!spec.helper.empty()) {
        checkPortsFree(spec);
    }
    Protocol protocol{key, std::move(spec), owner};
    if (!protocol.spec.helper.empty()) {
        nft_.addHelper(helperAssignmentOf(protocol));
    }
    return protocols_.emplace(std::move(key), std::move(protocol)).first->second;
}

void ProtocolRegistry::remove(std::string_view guid) {
    const Protocol& protocol = get(guid);
    if (!protocol.spec.helper.empty()) {
        nft_.removeHelper(helperAssignmentOf(protocol));
    }
    protocols_.erase(protocol.guid);
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
