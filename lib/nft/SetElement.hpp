#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fwx::nft {

// One element of a set or map of table inet fwxd, as fwxd sends it.
struct SetElement {
    std::vector<std::uint8_t> key;
    std::vector<std::uint8_t> keyEnd; // interval sets only
    std::vector<std::uint8_t> data;   // maps only
    std::optional<std::uint64_t> timeoutMs;
    std::string comment; // shown by nft list; at most NFTNL_UDATA_COMMENT_MAXLEN - 1 bytes go
    std::string objref;  // object maps only: the name of the object the key maps to
    std::string label;   // names the element in errors: "203.0.113.1:41000/tcp"
};

} // namespace fwx::nft
