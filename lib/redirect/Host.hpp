#pragma once

#include "net/Address.hpp"
#include "net/Transport.hpp"
#include "redirect/PortRange.hpp"

#include <cstdint>
#include <vector>

namespace fwx::redirect {

// What the domain needs to know about this host.
// Real: KernelHost (rtnetlink, sock_diag). Fake: tests/unit/fakes/FakeHost.
class Host {
public:
    virtual ~Host() = default;
    // True if address is configured on one of this host's interfaces.
    virtual bool isLocalAddress(const net::Address& address) = 0;
    // The ports of range on which a local socket waits for what comes to address (bound to
    // it or to its family's wildcard): TCP listeners, UDP sockets. Sorted.
    virtual std::vector<std::uint16_t>
    boundPorts(const net::Address& address, net::Transport transport, const PortRange& range) = 0;
};

} // namespace fwx::redirect
