#pragma once

#include "net/Address.hpp"
#include "net/NetlinkQuery.hpp"
#include "net/NetlinkSocket.hpp"

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
// configured on this host: one RTM_GETADDR dump. Throws fwx::Error(Failed) with the errno.
std::vector<LocalAddress> queryLocalAddresses();

// The addresses of this host, dumped once and again only after the kernel announced a
// change: a socket that listens to the address groups (RTMGRP_IPV4_IFADDR,
// RTMGRP_IPV6_IFADDR) is read before every answer, so a question costs one non-blocking
// read however many addresses the host has. The kernel sends the announcement before the
// change (ip address add/del) returns, so no answer is older than the change.
class LocalAddresses {
public:
    // Subscribes; the first question dumps. Throws fwx::Error(Failed).
    LocalAddresses();

    // True if address is configured on an interface of this host (tentative and
    // deprecated addresses too: they are configured). Throws fwx::Error(Failed).
    bool contains(const Address& address);

private:
    // True if the kernel announced anything, or lost announcements (ENOBUFS), since the
    // last read.
    bool changed();

    NetlinkSocket changes_;
    NetlinkQuery query_;
    std::vector<LocalAddress> addresses_;
    bool current_ = false;
};

} // namespace fwx::net
