// lib/config: fwxd.conf, the daemon's configuration file.
//
// Lives here: Config, the typed settings with their defaults (this file), and the loader
// that fills it from the file's text through inih and refuses anything it does not
// understand (ConfigFile.hpp). Depends only on net/ (addresses), redirect/PortRange and
// error/; no D-Bus, no kernel. User and group names stay strings: the daemon resolves them.
#pragma once

#include "net/Address.hpp"
#include "redirect/PortRange.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace fwx::config {

// [Redirect]: what redirects may look like.
struct RedirectSettings {
    // Addresses clients are told to connect to; the first of a family is its default.
    // The loader rejects a file that leaves this empty: there would be nothing to offer.
    std::vector<net::Address> internalAddresses;
    redirect::PortRange portRange{41000, 41999};
    // Upper bound of N, the ports of one request: 1..1024 and at most portRange.size().
    unsigned maxPortsPerRequest = 64;
    // The permission timeout of a TIMEOUT request that names none, and the longest one
    // a request may ask for: 1 <= defaultTimeout <= maxTimeout.
    std::chrono::seconds defaultTimeout{30};
    std::chrono::seconds maxTimeout{86400};
};

// [Access]: who may use fwxd, and how much of it one client may hold.
struct AccessSettings {
    // Names or numeric ids, as written; root is always allowed and need not be listed.
    std::vector<std::string> allowedUsers{};
    std::vector<std::string> allowedGroups{};
    // Administrators may also attach kernel helpers (RegisterProtocol with a Helper) and
    // remove protocols of other users; root always may.
    std::vector<std::string> adminUsers{};
    std::vector<std::string> adminGroups{};
    unsigned maxSessionsPerClient = 64;
    unsigned maxActionsPerClient = 4096;
    // Over every bus connection of one uid: more connections do not buy more.
    unsigned maxSessionsPerUser = 256;
    unsigned maxActionsPerUser = 16384;
    // Registered protocols of one uid (administrators are not held to it).
    unsigned maxProtocolsPerUser = 16;
};

// [Conntrack]: how fwxd follows connections.
struct ConntrackSettings {
    // Let the kernel drop events of connections to addresses other than the internal
    // addresses before they reach fwxd (a socket filter): on a busy firewall most are.
    bool eventFilter = true;
    // Receive buffer of the event sockets (SO_RCVBUFFORCE). When a burst still overflows
    // it, fwxd resynchronises from a dump.
    std::uint32_t eventBufferBytes = 16U * 1024 * 1024;
};

// [Relay]: the user-mode relay of NO_KERNEL_MODE redirects.
struct RelaySettings {
    // A relayed UDP flow with no datagram either way for this long ends (Closed), like
    // conntrack's own UDP timeout (nf_conntrack_udp_timeout_stream, 120 s).
    std::chrono::seconds udpIdleTimeout{120};
};

struct Config {
    // Registered protocols in all: they outlive their registrants, so the daemon caps them.
    static constexpr unsigned MaxProtocols = 256;

    RedirectSettings redirect;
    AccessSettings access;
    ConntrackSettings conntrack;
    RelaySettings relay;
};

} // namespace fwx::config
