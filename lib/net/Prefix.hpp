#pragma once

#include "net/Address.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fwx::net {

// A network prefix such as 192.0.2.0/24 or 2001:db8::/32. A bare address is a host
// prefix (/32 or /128).
class Prefix {
public:
    // Throws fwx::Error(InvalidArgument). Host bits set are an error that names the
    // prefix meant: `"192.0.2.1/24" has host bits set (did you mean 192.0.2.0/24?)`.
    static Prefix parse(std::string_view text);
    static std::optional<Prefix> tryParse(std::string_view text);
    // Throws if length exceeds the family's width; clears host bits of address.
    static Prefix of(const Address& address, std::uint8_t length);
    static Prefix host(const Address& address);
    // 0.0.0.0/0 or ::/0
    static Prefix any(Family family);

    const Address& network() const noexcept { return network_; }
    std::uint8_t length() const noexcept { return length_; }
    Family family() const noexcept { return network_.family(); }
    // The highest address inside the prefix (the IPv4 broadcast address).
    Address last() const;
    bool contains(const Address& address) const noexcept;
    bool isHost() const noexcept;
    bool isAny() const noexcept { return length_ == 0; }

    // "192.0.2.0/24"; a host prefix prints as its bare address.
    std::string toString() const;

    auto operator<=>(const Prefix&) const = default;

private:
    Address network_;
    std::uint8_t length_ = 0;
};

} // namespace fwx::net
