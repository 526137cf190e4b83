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

bool overlap(const net::Prefix& a, const net::Prefix& b) {
    return a.contains(b.network()) || b.contains(a.network());
}

// Each server is one interval of the kernel's helper map, and intervals must not overlap.
void checkServers(const std::vector<net::Prefix>& servers) {
    for (auto it = servers.begin(); it != servers.end(); ++it) {
        for (auto earlier = servers.begin(); earlier != it; ++earlier) {
            if (overlap(*earlier, *it)) {
                throwInvalid(fmt::format("spec: Servers {} and {} overlap: name each server once",
                                         earlier->toString(), it->toString()));
            }
        }
    }
}

void checkSpec(const ProtocolSpec& spec) {
    if (spec.name.empty()) {
        throwInvalid("spec: Name must not be empty");
    }
    if (std::find(spec.primaryPorts.begin(), spec.primaryPorts.end(), 0) !=
        spec.primaryPorts.end()) {
        throwInvalid("spec: PrimaryPorts must not contain port 0");
    }
    const auto& ports = spec.primaryPorts;
    for (auto it = ports.begin(); it != ports.end(); ++it) {
        if (std::find(ports.begin(), it, *it) != it) {
            throwInvalid(fmt::format("spec: PrimaryPorts names port {} twice", *it));
        }
    }
    checkServers(spec.servers);
    if (spec.helper.empty()) {
        if (!spec.servers.empty()) {
            throwInvalid("spec: Servers only applies with a Helper: it names the servers whose "
                         "primary connections get it");
        }
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
    if (spec.servers.empty()) {
        throwInvalid(fmt::format("spec: Helper \"{}\" needs Servers: the addresses or prefixes of "
                                 "the servers whose primary connections get it (a helper parses "
                                 "every connection it is attached to)",
                                 spec.helper));
    }
    if (spec.servers.size() > ProtocolRegistry::MaxServers) {
        throwInvalid(fmt::format("spec: Servers names {} servers, at most {} are allowed",
                                 spec.servers.size(), ProtocolRegistry::MaxServers));
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

ProtocolRegistry::ProtocolRegistry(NftBackend& nft, ProtocolLimits limits)
    : nft_(nft)
    , limits_(limits) {
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
            protocol.spec.primaryPorts, protocol.spec.servers};
}

// The kernel gives a connection one helper: two protocols cannot both claim a connection.
void ProtocolRegistry::checkHelperFree(const ProtocolSpec& spec) const {
    for (const auto& [guid, other] : protocols_) {
        if (other.spec.helper.empty() || other.spec.transport != spec.transport) {
            continue;
        }
        for (const std::uint16_t port : spec.primaryPorts) {
            const auto& theirPorts = other.spec.primaryPorts;
            if (std::find(theirPorts.begin(), theirPorts.end(), port) == theirPorts.end()) {
                continue;
            }
            for (const net::Prefix& server : spec.servers) {
                for (const net::Prefix& theirs : other.spec.servers) {
                    if (overlap(server, theirs)) {
                        throwInvalid(fmt::format(
                            "spec: connections to {} port {}/{} already get helper \"{}\" from "
                            "protocol {} ({}, servers {})",
                            server.toString(), port, net::toString(spec.transport),
                            other.spec.helper, guid, other.spec.name, theirs.toString()));
                    }
                }
            }
        }
    }
}

void ProtocolRegistry::checkQuota(const Registrant& registrant) const {
    if (protocols_.size() >= limits_.total) {
        throw Error(ErrorCode::QuotaExceeded,
                    fmt::format("{} protocols are registered, the most fwxd keeps", limits_.total));
    }
    if (registrant.exempt) {
        return;
    }
    const auto own = static_cast<std::size_t>(
        std::count_if(protocols_.begin(), protocols_.end(),
                      [&](const auto& entry) { return entry.second.ownerUid == registrant.uid; }));
    if (own >= limits_.perUser) {
        throw Error(ErrorCode::QuotaExceeded,
                    fmt::format("uid {} has registered {} protocols, the most one user may "
                                "(MaxProtocolsPerUser)",
                                registrant.uid, own));
    }
}

ProtocolRegistry::Added ProtocolRegistry::add(std::string_view guid, ProtocolSpec spec,
                                              const Registrant& registrant) {
    std::string key = canonicalGuid(guid);
    checkSpec(spec);
    if (const auto it = protocols_.find(key); it != protocols_.end()) {
        const Protocol& existing = it->second;
        if (existing.ownerUid != registrant.uid) {
            throwInvalid(
                fmt::format("protocol {} is already registered by uid {}", key, existing.ownerUid));
        }
        if (existing.spec != spec) {
            throwInvalid(fmt::format("protocol {} is already registered with another spec: "
                                     "unregister it first",
                                     key));
        }
        return {existing, false};
    }
    checkQuota(registrant);
    if (!spec.helper.empty()) {
        checkHelperFree(spec);
    }
    Protocol protocol{key, std::move(spec), registrant.uid, registrant.busName};
    if (!protocol.spec.helper.empty()) {
        nft_.addHelper(helperAssignmentOf(protocol));
    }
    return {protocols_.emplace(std::move(key), std::move(protocol)).first->second, true};
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
