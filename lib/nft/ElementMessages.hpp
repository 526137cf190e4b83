#pragma once

#include "nft/Batch.hpp"
#include "nft/SetElement.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace fwx::nft {

// NEWSETELEM / DELSETELEM messages for any number of elements of one set.
//
// A message carries its elements in one NFTA_SET_ELEM_LIST_ELEMENTS nest, whose nla_len
// is 16 bits: a list of more than 65535 bytes wraps, and the kernel reads only what the
// wrapped length covers and the rest as garbage (issue 9: 812 of 1524 elements, or
// ENOENT). So the elements are spread over as many messages as their exact encoded sizes
// need; in one batch these are still one transaction. Every write is bounds-checked
// (libmnl's *_check functions) against the room the message reserved.
class ElementMessages {
public:
    // What of each element the messages carry.
    enum class Content : std::uint8_t {
        Full, // key, key end, value (map data or objref), timeout, comment: adding
        Key,  // key and key end: deleting, or re-adding to a plain set
    };

    // type: NFT_MSG_NEWSETELEM or NFT_MSG_DELSETELEM; verb for errors: "adding".
    ElementMessages(std::uint16_t type, std::uint16_t flags, Content content, std::string verb);

    // Appends elements of set in table to batch, in order, in as few messages as fit.
    // about says whose elements they are in errors: "group 3: 192.0.2.1:41000-41002/tcp".
    void append(Batch& batch, const std::string& table, const std::string& set,
                std::span<const SetElement> elements, const std::string& about) const;

    // Bytes element takes in an element list, its NFTA_LIST_ELEM nest included.
    static std::size_t encodedSize(const SetElement& element, Content content);

    // The largest element list: nla_len is 16 bits and counts the nest's own header.
    static constexpr std::size_t MaxListBytes = 65535;

private:
    std::uint16_t type_;
    std::uint16_t flags_;
    Content content_;
    std::string verb_;
};

} // namespace fwx::nft
