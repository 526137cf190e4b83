#pragma once

#include "redirect/Host.hpp"
#include "redirect/Request.hpp"
#include "redirect/ValidRequest.hpp"
#include "redirect/ValidatorLimits.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace fwx::redirect {

// Checks a RedirectConnections request against itself, the configuration and this host,
// and resolves its defaults. Every complaint names the D-Bus argument or option at fault
// and quotes the offending value, because it goes back to the caller verbatim.
class RequestValidator {
public:
    RequestValidator(ValidatorLimits limits, Host& host);

    // Throws fwx::Error: Failed if the host cannot be asked, InvalidArgument (or
    // QuotaExceeded for more targets than configured) for the rest.
    ValidRequest validate(const Request& request) const;

private:
    net::Family checkTargets(const std::vector<net::Endpoint>& targets) const;
    static void checkFlags(std::uint32_t flags);
    net::Address resolveInternalAddress(const std::optional<net::Address>& requested,
                                        net::Family family) const;
    std::optional<net::Address> checkSnatSource(const std::optional<net::Address>& address,
                                                net::Family family) const;
    std::optional<std::chrono::milliseconds> resolveTimeout(const Request& request) const;
    static net::Prefix resolveAllowedSource(const std::optional<net::Prefix>& prefix,
                                            net::Family family);

    ValidatorLimits limits_;
    Host& host_;
};

} // namespace fwx::redirect
