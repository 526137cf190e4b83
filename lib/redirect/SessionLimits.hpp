#pragma once

namespace fwx::redirect {

// Quotas per client (one bus connection) and per user (every connection of one uid), from
// the configuration file: one requester must not be able to take every port or fill the
// daemon's memory, nor get around its quota by opening more connections.
struct SessionLimits {
    unsigned maxSessionsPerClient = 64;
    unsigned maxActionsPerClient = 4096;
    unsigned maxSessionsPerUser = 256;
    unsigned maxActionsPerUser = 16384;
};

} // namespace fwx::redirect
