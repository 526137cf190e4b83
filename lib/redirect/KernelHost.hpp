#pragma once

#include "redirect/Host.hpp"

namespace fwx::redirect {

// The Host of the daemon: asks the kernel of the caller's network namespace, every time
// (rtnetlink for addresses, sock_diag for listening ports). Throws fwx::Error(Failed).
class KernelHost final : public Host {
public:
    bool isLocalAddress(const net::Address& address) override;
    std::vector<std::uint16_t> boundPorts(const net::Address& address, net::Transport transport,
                                          const PortRange& range) override;
};

} // namespace fwx::redirect
