#pragma once

namespace fwx::redirect {

// Quotas per client (one bus connection), from the configuration file: one requester
// must not be able to take every port or fill the daemon's memory.
struct SessionLimits {
    unsigned maxSessionsPerClient = 64;
    unsigned maxActionsPerClient = 4096;
};

} // namespace fwx::redirect
