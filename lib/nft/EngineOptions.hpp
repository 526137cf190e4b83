#pragma once

#include <string>

namespace fwx::nft {

// Where fwxd's base chains hook in. Defaults are the usual NAT priorities (dstnat -100,
// srcnat 100), mangle (-150) for conntrack helpers and the filter priority (0) for the
// gate on input, so an admin's own chains at the same hooks order around them
// predictably; a drop in any base chain still wins.
struct EngineOptions {
    std::string tableName = "fwxd";
    int dnatPriority = -100;
    int snatPriority = 100;
    int gatePriority = 0;
    // Attaches conntrack helpers after conntrack (-200) and before DNAT (-100): the helpers
    // map sees ports as the client sent them, and NAT sets a connection up knowing its
    // helper (sequence adjustment).
    int helperPriority = -150;
};

} // namespace fwx::nft
