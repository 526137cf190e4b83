#pragma once

#include "net/LocalAddresses.hpp"
#include "net/SocketTable.hpp"
#include "redirect/Host.hpp"

namespace fwx::redirect {

// The Host of the daemon: asks the kernel of the network namespace it was made in
// (rtnetlink for addresses, re-read when the kernel announces a change; sock_diag for the
// listening ports of a range, every time). Throws fwx::Error(Failed).
class KernelHost final : public Host {
public:
    bool isLocalAddress(const net::Address& address) override;
    std::vector<std::uint16_t> boundPorts(const net::Address& address, net::Transport transport,
                                          const PortRange& range) override;

private:
    net::LocalAddresses addresses_;
    net::SocketTable sockets_;
};

} // namespace fwx::redirect
