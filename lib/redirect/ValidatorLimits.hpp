#pragma once

#include "net/Address.hpp"

#include <chrono>
#include <vector>

namespace fwx::redirect {

// What RequestValidator enforces beyond the request's own consistency; from the
// configuration file.
struct ValidatorLimits {
    // Addresses clients may be sent to. The first of a family is the default for it.
    std::vector<net::Address> internalAddresses;
    // Upper bound of N, the number of targets (and ports) of one request.
    unsigned maxPortsPerRequest = 64;
    // Permission timeout with flags::Timeout when the request names none.
    std::chrono::microseconds defaultTimeout = std::chrono::seconds(30);
    std::chrono::microseconds maxTimeout = std::chrono::hours(24);
};

} // namespace fwx::redirect
