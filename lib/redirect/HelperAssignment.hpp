#pragma once

#include "net/Prefix.hpp"
#include "net/Transport.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace fwx::redirect {

// A kernel conntrack helper attached to new primary connections of a registered protocol:
// connections over transport to one of ports of a server inside one of servers get helper
// (so that expectations can hang on them), and no others: a helper parses what it is
// given, so it only sees the connections it was registered for. name identifies the
// assignment in the kernel (the nft ct helper object).
struct HelperAssignment {
    std::string name;
    std::string helper; // kernel helper: "irc", "ftp", "sip", ...
    net::Transport transport = net::Transport::Tcp;
    std::vector<std::uint16_t> ports;
    std::vector<net::Prefix> servers;
};

} // namespace fwx::redirect
