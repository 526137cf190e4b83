#include "redirect/KernelHost.hpp"

namespace fwx::redirect {

bool KernelHost::isLocalAddress(const net::Address& address) {
    return addresses_.contains(address);
}

std::vector<std::uint16_t> KernelHost::boundPorts(const net::Address& address,
                                                  net::Transport transport,
                                                  const PortRange& range) {
    return sockets_.boundPorts(address, transport, range.first(), range.last());
}

} // namespace fwx::redirect
