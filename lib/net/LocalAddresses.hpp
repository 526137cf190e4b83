#pragma once

#include "net/Address.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace fwx::net {

// An address configured on one of this host's interfaces (RTM_GETADDR).
struct LocalAddress {
    Address address;
    std::uint8_t prefixLength = 0;
    int ifindex = 0;
};

// Asks the kernel (rtnetlink, in the caller's network namespace) which addresses are
// configured on this host. Throws fwx::Error(Failed) with the errno when netlink fails.
std::vector<LocalAddress> queryLocalAddresses();

// True if address is configured on an interface of this host.
bool isLocalAddress(const Address& address);

} // namespace fwx::net
