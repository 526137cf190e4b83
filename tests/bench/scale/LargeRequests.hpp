// fwx::bench::checkLargeRequests: does fwxd program and remove a large redirect group
// completely? For each N, a fresh fwxd (Rig::settings()) on a bus of its own in the lab's
// firewall namespace gets one RedirectConnections of N TCP targets, then the session's
// Close; after each, fwxd's ActiveRedirects and the kernel's elements of ports_v4 are
// compared. The contract: all N or none, and nothing left after Close.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace fwx::bench {

struct LargeRequest {
    std::size_t targets = 0;
    std::string redirect; // "ok" or the D-Bus error name
    std::size_t activeAfterRedirect = 0;
    std::size_t kernelAfterRedirect = 0; // ports_v4 elements
    std::string close;
    std::size_t activeAfterClose = 0;
    std::size_t kernelAfterClose = 0;
    std::string logLine; // the first error fwxd logged, if any
};

// Runs in the lab's firewall namespace while no other fwxd runs there.
std::vector<LargeRequest> checkLargeRequests(const std::vector<std::size_t>& sizes,
                                             const std::string& target);

} // namespace fwx::bench
