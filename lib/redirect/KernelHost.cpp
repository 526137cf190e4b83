#include "redirect/KernelHost.hpp"

#include "net/LocalAddresses.hpp"
#include "net/SocketTable.hpp"

namespace fwx::redirect {

bool KernelHost::isLocalAddress(const net::Address& address) {
    return net::isLocalAddress(address);
}

std::vector<std::uint16_t> KernelHost::boundPorts(const net::Address& address,
                                                  net::Transport transport,
                                                  const PortRange& range) {
    return net::queryBoundPorts(address, transport, range.first(), range.last());
}

} // namespace fwx::redirect
