#pragma once

#include "net/Transport.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace fwx::redirect {

// A kernel conntrack helper attached to new primary connections of a registered protocol:
// connections to one of ports over transport get helper (so that expectations can hang
// on them). name identifies the assignment in the kernel (the nft ct helper object).
struct HelperAssignment {
    std::string name;
    std::string helper; // kernel helper: "irc", "ftp", "sip", ...
    net::Transport transport = net::Transport::Tcp;
    std::vector<std::uint16_t> ports;
};

} // namespace fwx::redirect
