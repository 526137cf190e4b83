#include "redirect/RequestValidator.hpp"

#include "error/Error.hpp"
#include "redirect/Redirect.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace fwx::redirect {

namespace {

constexpr std::string_view knownFlags = "0x1 ALLOW_MULTIPLE, 0x2 TIMEOUT, 0x4 NO_KERNEL_MODE";

void checkTarget(std::size_t index, const net::Endpoint& target) {
    const auto fail = [&](std::string_view why) {
        throwInvalid(fmt::format("connect_addresses[{}] ({}): {}", index, target.toString(), why));
    };
    if (target.port == 0) {
        fail("port 0 is not a valid target port");
    }
    // DNAT sends a client's connection to one host: none of these is one. (A loopback
    // target would be a martian to the kernel's routing, dropped unless route_localnet.)
    if (const auto use = net::specialUse(target.address)) {
        fail(fmt::format("{} is not a valid target", *use));
    }
}

// "… is IPv6 but connect_addresses are IPv4", for arguments that must match the targets.
void checkFamily(std::string_view what, const std::string& value, net::Family actual,
                 net::Family expected) {
    if (actual != expected) {
        throwInvalid(fmt::format("{} {} is {} but connect_addresses are {}", what, value,
                                 net::toString(actual), net::toString(expected)));
    }
}

void checkTimeout(std::chrono::microseconds timeout, std::chrono::microseconds max) {
    if (timeout <= std::chrono::microseconds::zero()) {
        throwInvalid(fmt::format("option Timeout {} µs is not allowed: it must be positive",
                                 timeout.count()));
    }
    if (timeout > max) {
        throwInvalid(fmt::format("option Timeout {} µs is above the maximum of {} µs",
                                 timeout.count(), max.count()));
    }
}

std::string joinAddresses(const std::vector<net::Address>& addresses) {
    if (addresses.empty()) {
        return "none";
    }
    std::string result;
    for (const net::Address& address : addresses) {
        result += (result.empty() ? "" : ", ") + address.toString();
    }
    return result;
}

} // namespace

RequestValidator::RequestValidator(ValidatorLimits limits, Host& host)
    : limits_(std::move(limits))
    , host_(host) {
}

ValidRequest RequestValidator::validate(const Request& request) const {
    ValidRequest valid;
    valid.family = checkTargets(request.targets);
    checkFlags(request.flags);
    valid.internalAddress = resolveInternalAddress(request.internalAddress, valid.family);
    valid.snatSource = checkSnatSource(request.proxyExternalAddress, valid.family);
    valid.permissionTimeout = resolveTimeout(request);
    valid.allowedSource = resolveAllowedSource(request.allowedSource, valid.family);
    valid.targets = request.targets;
    valid.transport = request.transport;
    valid.flags = request.flags;
    valid.expected = request.expected;
    valid.singleUse = (request.flags & flags::AllowMultiple) == 0;
    valid.handOver = request.handOver;
    valid.userMode = (request.flags & flags::NoKernelMode) != 0 || request.handOver;
    return valid;
}

net::Family RequestValidator::checkTargets(const std::vector<net::Endpoint>& targets) const {
    if (targets.empty()) {
        throwInvalid("connect_addresses is empty: at least one target is needed");
    }
    // A configured limit, not a malformed request: the contract calls that QuotaExceeded.
    if (targets.size() > limits_.maxPortsPerRequest) {
        throw Error(ErrorCode::QuotaExceeded,
                    fmt::format("connect_addresses has {} targets; at most {} are allowed in "
                                "one request (MaxPortsPerRequest in fwxd.conf)",
                                targets.size(), limits_.maxPortsPerRequest));
    }
    const net::Family family = targets.front().family();
    const std::vector<net::Address>& internal = limits_.internalAddresses;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        checkTarget(i, targets[i]);
        if (std::find(internal.begin(), internal.end(), targets[i].address) != internal.end()) {
            throwInvalid(fmt::format("connect_addresses[{}] ({}): {} is an internal address of "
                                     "fwxd; a redirect to it would loop",
                                     i, targets[i].toString(), targets[i].address.toString()));
        }
        if (targets[i].family() != family) {
            throwInvalid(fmt::format("connect_addresses[0] is {} but connect_addresses[{}] is "
                                     "{}: all targets must be of one family",
                                     net::toString(family), i, net::toString(targets[i].family())));
        }
    }
    return family;
}

void RequestValidator::checkFlags(std::uint32_t requested) {
    const std::uint32_t unknown = requested & ~flags::Known;
    if (unknown != 0) {
        throwInvalid(fmt::format("flags {:#x} has unknown bits {:#x} (known: {})", requested,
                                 unknown, knownFlags));
    }
}

net::Address RequestValidator::resolveInternalAddress(const std::optional<net::Address>& requested,
                                                      net::Family family) const {
    const std::vector<net::Address>& configured = limits_.internalAddresses;
    if (requested) {
        const std::string text = requested->toString();
        checkFamily("internal_address", text, requested->family(), family);
        if (std::find(configured.begin(), configured.end(), *requested) == configured.end()) {
            throwInvalid(fmt::format("internal_address {} is not a configured internal "
                                     "address (configured: {})",
                                     text, joinAddresses(configured)));
        }
        if (!host_.isLocalAddress(*requested)) {
            throwInvalid(fmt::format("internal_address {} is not an address of this host", text));
        }
        return *requested;
    }
    const auto chosen = std::find_if(configured.begin(), configured.end(),
                                     [&](const net::Address& a) { return a.family() == family; });
    if (chosen == configured.end()) {
        throwInvalid(fmt::format("internal_address is empty and no {} internal address is "
                                 "configured (configured: {})",
                                 net::toString(family), joinAddresses(configured)));
    }
    if (!host_.isLocalAddress(*chosen)) {
        throwInvalid(fmt::format("internal_address is empty and the configured {} internal "
                                 "address {} is not an address of this host",
                                 net::toString(family), chosen->toString()));
    }
    return *chosen;
}

std::optional<net::Address>
RequestValidator::checkSnatSource(const std::optional<net::Address>& address,
                                  net::Family family) const {
    if (address) {
        const std::string text = address->toString();
        checkFamily("proxy_external_address", text, address->family(), family);
        if (!host_.isLocalAddress(*address)) {
            throwInvalid(
                fmt::format("proxy_external_address {} is not an address of this host", text));
        }
    }
    return address;
}

std::optional<std::chrono::milliseconds>
RequestValidator::resolveTimeout(const Request& request) const {
    const bool wanted = (request.flags & flags::Timeout) != 0;
    if (request.timeout && !wanted) {
        throwInvalid(
            fmt::format("option Timeout is set but flags {:#x} lack TIMEOUT (0x2)", request.flags));
    }
    if (!wanted) {
        return std::nullopt;
    }
    // The default comes from the configuration, which checked it against the maximum.
    if (request.timeout) {
        checkTimeout(*request.timeout, limits_.maxTimeout);
    }
    // Rounded up: the kernel must never drop a permission earlier than asked.
    return std::chrono::ceil<std::chrono::milliseconds>(
        request.timeout.value_or(limits_.defaultTimeout));
}

net::Prefix RequestValidator::resolveAllowedSource(const std::optional<net::Prefix>& prefix,
                                                   net::Family family) {
    if (!prefix) {
        return net::Prefix::any(family);
    }
    checkFamily("option AllowedSource", prefix->toString(), prefix->family(), family);
    return *prefix;
}

} // namespace fwx::redirect
