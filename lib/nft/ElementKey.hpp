#pragma once

#include "net/Address.hpp"

#include <cstdint>
#include <vector>

namespace fwx::nft {

// The bytes of a set key or map value as the kernel compares them: the fields of a
// concatenation each start on a 4-byte register boundary, padded with zeros.
class ElementKey {
public:
    ElementKey& address(const net::Address& address);
    ElementKey& protocol(std::uint8_t ipProtocol);
    ElementKey& port(std::uint16_t port); // network byte order

    const std::vector<std::uint8_t>& bytes() const noexcept { return bytes_; }

private:
    void pad();
    std::vector<std::uint8_t> bytes_;
};

} // namespace fwx::nft
