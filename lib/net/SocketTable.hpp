#pragma once

#include "net/Address.hpp"
#include "net/NetlinkQuery.hpp"
#include "net/Transport.hpp"

#include <cstdint>
#include <vector>

namespace fwx::net {

// The ports in [first, last] on which a local socket of the caller's network namespace
// waits for what comes to an address (bound to it or to its family's wildcard): TCP
// listeners and UDP sockets, as sock_diag (NETLINK_SOCK_DIAG, inet_diag) reports them.
// Connected TCP sockets and TIME_WAIT are left out on purpose: traffic to them is not new
// connections, and asking for them would make the kernel walk every connection of the host
// (its established table is shared by all namespaces). The kernel filters the ports itself
// (inet_diag bytecode). One sock_diag socket serves every query.
class SocketTable {
public:
    SocketTable();

    // Sorted, without duplicates. Throws fwx::Error(Failed).
    std::vector<std::uint16_t> boundPorts(const Address& address, Transport transport,
                                          std::uint16_t first, std::uint16_t last);

private:
    NetlinkQuery diag_;
};

} // namespace fwx::net
