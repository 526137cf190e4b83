// lib/net: addresses, endpoints, prefixes and what the kernel says about this host.
//
// Lives here: value types for IPv4 and IPv6 (Address, Prefix, Endpoint, Family, Transport)
// that parse and format with precise error messages, and small rtnetlink / sock_diag
// queries (LocalAddresses, SocketTable) over libmnl. Depends only on error/ and libmnl;
// everything else in libfwx may depend on it.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <netinet/in.h>

namespace fwx::net {

enum class Family : std::uint8_t { V4, V6 };

// "IPv4" / "IPv6", for messages.
std::string_view toString(Family family);
// AF_INET / AF_INET6, and back (throws InvalidArgument for anything else).
int toAddressFamily(Family family);
Family familyFromAddressFamily(int af);

// An IPv4 or IPv6 address. IPv4-mapped IPv6 addresses stay IPv6: families never mix.
class Address {
public:
    // 0.0.0.0
    Address() = default;

    // Throws fwx::Error(InvalidArgument) with a message quoting the text and saying why,
    // e.g. `"10.0.0.256" is not an IPv4 or IPv6 address`.
    static Address parse(std::string_view text);
    static std::optional<Address> tryParse(std::string_view text);
    static Address fromV4(const in_addr& addr);
    static Address fromV6(const in6_addr& addr);
    // bytes must be 4 (V4) or 16 (V6) long, network order; throws otherwise.
    static Address fromBytes(Family family, std::span<const std::uint8_t> bytes);
    // 0.0.0.0 or ::
    static Address any(Family family);

    Family family() const noexcept { return family_; }
    bool isV4() const noexcept { return family_ == Family::V4; }
    bool isV6() const noexcept { return family_ == Family::V6; }
    // 4 or 16 bytes in network order.
    std::span<const std::uint8_t> bytes() const noexcept;
    in_addr v4() const;  // precondition: isV4()
    in6_addr v6() const; // precondition: isV6()

    bool isUnspecified() const noexcept;
    bool isLoopback() const noexcept;
    bool isMulticast() const noexcept;
    bool isLinkLocal() const noexcept;
    bool isBroadcast() const noexcept; // 255.255.255.255
    bool isV4Mapped() const noexcept;  // ::ffff:0:0/96

    // Canonical text: dotted quad, or RFC 5952 for IPv6.
    std::string toString() const;

    auto operator<=>(const Address&) const = default;

private:
    Family family_ = Family::V4;
    std::array<std::uint8_t, 16> bytes_{};
};

// What address is, if it is not an ordinary unicast address one host could use to reach
// another: "the unspecified address", "a multicast address", "the broadcast address", "a
// loopback address", "a link-local address" or "an IPv4-mapped IPv6 address". nullopt for
// an ordinary one.
std::optional<std::string_view> specialUse(const Address& address);

} // namespace fwx::net
