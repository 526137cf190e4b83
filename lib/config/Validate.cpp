#include "config/Validate.hpp"

#include <fmt/format.h>

namespace fwx::config {

namespace {

std::optional<Problem> checkAddresses(const RedirectSettings& redirect) {
    if (redirect.internalAddresses.empty()) {
        return Problem{"Redirect", "InternalAddresses", "", "at least one address is required"};
    }
    return std::nullopt;
}

std::optional<Problem> checkPortsPerRequest(const RedirectSettings& redirect) {
    const unsigned size = redirect.portRange.size();
    if (redirect.maxPortsPerRequest > size) {
        return Problem{"Redirect", "MaxPortsPerRequest", "PortRange",
                       fmt::format("{} is more than the {} ports of PortRange {}",
                                   redirect.maxPortsPerRequest, size,
                                   redirect.portRange.toString())};
    }
    return std::nullopt;
}

std::optional<Problem> checkTimeouts(const RedirectSettings& redirect) {
    if (redirect.defaultTimeout > redirect.maxTimeout) {
        return Problem{"Redirect", "DefaultTimeoutSec", "MaxTimeoutSec",
                       fmt::format("{} is above MaxTimeoutSec {}", redirect.defaultTimeout.count(),
                                   redirect.maxTimeout.count())};
    }
    return std::nullopt;
}

} // namespace

std::optional<Problem> validate(const Config& config) {
    for (const auto check : {checkAddresses, checkPortsPerRequest, checkTimeouts}) {
        if (auto problem = check(config.redirect)) {
            return problem;
        }
    }
    return std::nullopt;
}

} // namespace fwx::config
