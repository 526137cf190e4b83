#include "net/Address.hpp"

#include "error/Error.hpp"
#include "net/Parsing.hpp"
#include "net/Text.hpp"

#include <algorithm>
#include <cstring>

#include <arpa/inet.h>
#include <sys/socket.h>

namespace fwx::net {

namespace {

constexpr std::size_t kV4Size = 4;
constexpr std::size_t kV6Size = 16;

std::size_t byteCount(Family family) noexcept {
    return family == Family::V4 ? kV4Size : kV6Size;
}

// The mistakes people make, told apart from mere junk for a helpful message.
enum class Mistake : std::uint8_t { Empty, Whitespace, ZoneId, Brackets, PrefixLength };

std::optional<Mistake> findMistake(std::string_view text) {
    if (text.empty()) {
        return Mistake::Empty;
    }
    if (text::hasOuterWhitespace(text)) {
        return Mistake::Whitespace;
    }
    if (text.find('%') != std::string_view::npos) {
        return Mistake::ZoneId;
    }
    if (text.front() == '[' && text.back() == ']') {
        return Mistake::Brackets;
    }
    if (text.find('/') != std::string_view::npos) {
        return Mistake::PrefixLength;
    }
    return std::nullopt;
}

std::string describe(Mistake mistake, std::string_view text) {
    const std::string q = text::quote(text);
    switch (mistake) {
    case Mistake::Empty:
        return q + " is empty: an address is needed";
    case Mistake::Whitespace:
        return q + " has leading or trailing whitespace";
    case Mistake::ZoneId:
        return q + " has a zone id (" + text::quote(text.substr(text.find('%'))) +
               "): zone ids are not supported";
    case Mistake::Brackets:
        return q + " is in brackets: brackets belong only around an IPv6 address followed "
                   "by a port";
    case Mistake::PrefixLength:
        break;
    }
    return q + " is not an IPv4 or IPv6 address (a prefix length is not allowed here)";
}

} // namespace

std::string_view toString(Family family) {
    return family == Family::V4 ? "IPv4" : "IPv6";
}

int toAddressFamily(Family family) {
    return family == Family::V4 ? AF_INET : AF_INET6;
}

Family familyFromAddressFamily(int af) {
    if (af == AF_INET) {
        return Family::V4;
    }
    if (af == AF_INET6) {
        return Family::V6;
    }
    throwInvalid("address family " + std::to_string(af) + " is not AF_INET or AF_INET6");
}

namespace detail {

std::optional<Address> parseAddress(std::string_view text, std::string* why) {
    if (const auto mistake = findMistake(text)) {
        return fail(why, [&] { return describe(*mistake, text); });
    }
    // inet_pton wants a NUL-terminated string; anything that does not fit the buffer,
    // or has a NUL of its own that would cut it short, is no address.
    char buffer[INET6_ADDRSTRLEN] = {};
    if (text.size() >= sizeof buffer || text.find('\0') != std::string_view::npos) {
        return fail(why, [&] { return text::quote(text) + " is not an IPv4 or IPv6 address"; });
    }
    std::copy(text.begin(), text.end(), buffer);
    const Family family = text.find(':') == std::string_view::npos ? Family::V4 : Family::V6;
    std::uint8_t bytes[kV6Size] = {};
    if (inet_pton(toAddressFamily(family), buffer, bytes) != 1) {
        return fail(why, [&] { return text::quote(text) + " is not an IPv4 or IPv6 address"; });
    }
    return Address::fromBytes(family, std::span(bytes, byteCount(family)));
}

} // namespace detail

Address Address::parse(std::string_view text) {
    std::string why;
    auto address = detail::parseAddress(text, &why);
    if (!address) {
        throwInvalid(why);
    }
    return *address;
}

std::optional<Address> Address::tryParse(std::string_view text) {
    return detail::parseAddress(text, nullptr);
}

Address Address::fromV4(const in_addr& addr) {
    Address address;
    std::memcpy(address.bytes_.data(), &addr.s_addr, kV4Size);
    return address;
}

Address Address::fromV6(const in6_addr& addr) {
    Address address;
    address.family_ = Family::V6;
    std::memcpy(address.bytes_.data(), addr.s6_addr, kV6Size);
    return address;
}

Address Address::fromBytes(Family family, std::span<const std::uint8_t> bytes) {
    if (bytes.size() != byteCount(family)) {
        throwInvalid("an " + std::string(net::toString(family)) + " address has " +
                     std::to_string(byteCount(family)) + " bytes, not " +
                     std::to_string(bytes.size()));
    }
    Address address;
    address.family_ = family;
    std::copy(bytes.begin(), bytes.end(), address.bytes_.begin());
    return address;
}

Address Address::any(Family family) {
    Address address;
    address.family_ = family;
    return address;
}

std::span<const std::uint8_t> Address::bytes() const noexcept {
    return std::span(bytes_).first(byteCount(family_));
}

in_addr Address::v4() const {
    if (!isV4()) {
        throwInvalid(toString() + " is not an IPv4 address");
    }
    in_addr addr{};
    std::memcpy(&addr.s_addr, bytes_.data(), kV4Size);
    return addr;
}

in6_addr Address::v6() const {
    if (!isV6()) {
        throwInvalid(toString() + " is not an IPv6 address");
    }
    in6_addr addr{};
    std::memcpy(addr.s6_addr, bytes_.data(), kV6Size);
    return addr;
}

bool Address::isUnspecified() const noexcept {
    const auto b = bytes();
    return std::all_of(b.begin(), b.end(), [](std::uint8_t x) { return x == 0; });
}

bool Address::isLoopback() const noexcept {
    if (isV4()) {
        return bytes_[0] == 127; // 127.0.0.0/8
    }
    const auto b = bytes();
    return std::all_of(b.begin(), b.end() - 1, [](std::uint8_t x) { return x == 0; }) &&
           b.back() == 1; // ::1
}

bool Address::isMulticast() const noexcept {
    return isV4() ? (bytes_[0] & 0xf0) == 0xe0 // 224.0.0.0/4
                  : bytes_[0] == 0xff;         // ff00::/8
}

bool Address::isLinkLocal() const noexcept {
    return isV4() ? bytes_[0] == 169 && bytes_[1] == 254             // 169.254.0.0/16
                  : bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80; // fe80::/10
}

bool Address::isBroadcast() const noexcept {
    return isV4() && std::all_of(bytes_.begin(), bytes_.begin() + 4,
                                 [](std::uint8_t x) { return x == 0xff; });
}

bool Address::isV4Mapped() const noexcept {
    return isV6() &&
           std::all_of(bytes_.begin(), bytes_.begin() + 10,
                       [](std::uint8_t x) { return x == 0; }) &&
           bytes_[10] == 0xff && bytes_[11] == 0xff;
}

std::string Address::toString() const {
    // glibc's inet_ntop follows RFC 5952 (lower case, longest run of zero groups
    // compressed, the first on a tie, never a single group) and writes the low 32 bits as
    // a dotted quad only under the well-known prefixes of RFC 4291 (::ffff:0:0/96 and the
    // deprecated ::/96), which RFC 5952 section 5 recommends.
    char buffer[INET6_ADDRSTRLEN] = {};
    inet_ntop(toAddressFamily(family_), bytes_.data(), buffer, sizeof buffer);
    return buffer;
}

std::optional<std::string_view> specialUse(const Address& address) {
    if (address.isUnspecified()) {
        return "the unspecified address";
    }
    if (address.isMulticast()) {
        return "a multicast address";
    }
    if (address.isBroadcast()) {
        return "the broadcast address";
    }
    if (address.isLoopback()) {
        return "a loopback address";
    }
    if (address.isLinkLocal()) {
        return "a link-local address";
    }
    if (address.isV4Mapped()) {
        return "an IPv4-mapped IPv6 address";
    }
    return std::nullopt;
}

} // namespace fwx::net
