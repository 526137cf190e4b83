// Reads a Batch's bytes back the way the kernel will: message by message, attribute by
// attribute, with libmnl and libnftnl. Checks what must hold at any size on the way (every
// message inside the buffer, no element list nest beyond the 16-bit nla_len).
#pragma once

#include "nft/Batch.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fwx::nft::test {

// One element as the kernel would parse it.
struct WireElement {
    std::vector<std::uint8_t> key;
    std::vector<std::uint8_t> keyEnd;
    std::vector<std::uint8_t> data;
    std::optional<std::uint64_t> timeoutMs;
    std::string comment;
    std::string objref;
};

struct WireMessage {
    std::uint16_t type = 0; // NFT_MSG_* (subsystem stripped)
    std::uint16_t flags = 0;
    std::uint32_t length = 0;
    std::string set;                    // element messages only
    std::uint32_t elementListBytes = 0; // nla_len of NFTA_SET_ELEM_LIST_ELEMENTS
    std::vector<WireElement> elements;
    std::vector<std::uint32_t> elementOffsets; // of each element nest, from the header
};

struct Wire {
    std::vector<WireMessage> messages; // BATCH_BEGIN excluded
    // The elements of every message of set, in order, by message type.
    std::vector<WireElement> elementsOf(const std::string& set, std::uint16_t type) const;
};

// Parses batch.bytes(); records a gtest failure for every rule broken.
Wire parseWire(const Batch& batch);

} // namespace fwx::nft::test
