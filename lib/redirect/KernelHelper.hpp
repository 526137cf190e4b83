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
    std::string_view name;
    bool tcp = false;
    bool udp = false;
    // Expectations one master may hold (for h323: Q.931 on TCP, RAS on UDP).
    unsigned maxExpectedTcp = 0;
    unsigned maxExpectedUdp = 0;
    bool ipv6 = true; // irc, for one, only exists for IPv4

    bool serves(net::Transport transport) const noexcept {
        return transport == net::Transport::Tcp ? tcp : udp;
    }
    unsigned maxExpected(net::Transport transport) const noexcept {
        return transport == net::Transport::Tcp ? maxExpectedTcp : maxExpectedUdp;
    }
};

// Every helper fwxd knows, by name.
const std::vector<KernelHelper>& kernelHelpers();
// None if name is not a known helper.
std::optional<KernelHelper> findKernelHelper(std::string_view name);

} // namespace fwx::redirect
