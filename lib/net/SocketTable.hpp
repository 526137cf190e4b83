#pragma once

#include "net/Address.hpp"
#include "net/Transport.hpp"

#include <cstdint>
#include <vector>

namespace fwx::net {

// Local ports of sockets bound to address or to the wildcard address of its family,
// in any state, as sock_diag (NETLINK_SOCK_DIAG, inet_diag) reports them for the
// caller's network namespace. Sorted, without duplicates. Throws fwx::Error(Failed).
std::vector<std::uint16_t> queryBoundPorts(const Address& address, Transport transport);

} // namespace fwx::net
