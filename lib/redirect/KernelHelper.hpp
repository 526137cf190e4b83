#pragma once

#include "net/Transport.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace fwx::redirect {

// A kernel conntrack helper a registered protocol may attach to its primary connections,
// and its policy as the kernel (6.x) defines it. The limits matter: over maxExpected the
// kernel silently evicts a master's oldest expectation, so fwxd refuses to go there.
struct KernelHelper {
    std::string_view name; // the kernel's own name, as `nft add ct helper` takes it
    bool tcp = false;      // the transports of the primary connections it parses
    bool udp = false;
    // Expectations one master may hold (of any transport: amanda's, on a UDP master, are
    // TCP connections).
    unsigned maxExpected = 0;
    bool ipv6 = true; // irc, for one, only exists for IPv4

    bool serves(net::Transport transport) const noexcept {
        return transport == net::Transport::Tcp ? tcp : udp;
    }
};

// Every helper fwxd knows, by name.
const std::vector<KernelHelper>& kernelHelpers();
// None if name is not a known helper.
std::optional<KernelHelper> findKernelHelper(std::string_view name);

} // namespace fwx::redirect
