// fwx::bench: limits of fwxd that decide how a scale run can fill it, each checked on a
// fresh fwxd (Rig::settings()) on a bus of its own in the lab's firewall namespace, while
// no other fwxd runs there.
//
// checkLargeRequests: one RedirectConnections of N TCP targets, then the session's Close;
// after each, fwxd's ActiveRedirects against the kernel's elements of ports_v4. The
// contract: all N or none, and nothing left after Close.
//
// checkSingleUseCapacity: single-use redirects (flags 0) in groups, TCP and UDP in turn,
// until fwxd refuses one or there are enough.
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

std::vector<LargeRequest> checkLargeRequests(const std::vector<std::size_t>& sizes,
                                             const std::string& target);

struct SingleUseCapacity {
    std::size_t wanted = 0;
    std::size_t chunk = 0;
    std::size_t accepted = 0;   // single-use redirects fwxd holds at the end
    std::size_t kernelOnce = 0; // elements of once_v4 then
    std::string error;          // the refusal: D-Bus error and message; "" if none
    std::string logLine;
};

SingleUseCapacity checkSingleUseCapacity(std::size_t wanted, std::size_t chunk,
                                         const std::string& target);

} // namespace fwx::bench
