#include "nft/ElementKey.hpp"

namespace fwx::nft {

void ElementKey::pad() {
    while (bytes_.size() % 4 != 0) {
        bytes_.push_back(0);
    }
}

ElementKey& ElementKey::address(const net::Address& address) {
    const auto raw = address.bytes();
    bytes_.insert(bytes_.end(), raw.begin(), raw.end());
    return *this;
}

ElementKey& ElementKey::protocol(std::uint8_t ipProtocol) {
    bytes_.push_back(ipProtocol);
    pad();
    return *this;
}

ElementKey& ElementKey::port(std::uint16_t port) {
    bytes_.push_back(static_cast<std::uint8_t>(port >> 8));
    bytes_.push_back(static_cast<std::uint8_t>(port & 0xff));
    pad();
    return *this;
}

} // namespace fwx::nft
