// TEMPORARY — NOT FOR MERGE.
//
// Minimal stand-ins for the lib/net implementations that are being written on the
// net-impl branch, so that the redirect branch links and its unit tests run. The lead
// drops this file (and its line in lib/net/meson.build) when merging net-impl.
// Deliberately simple: inet_pton/inet_ntop, getifaddrs, no sock_diag.
#include "error/Error.hpp"
#include "net/Address.hpp"
#include "net/Endpoint.hpp"
#include "net/LocalAddresses.hpp"
#include "net/Prefix.hpp"
#include "net/SocketTable.hpp"
#include "net/Transport.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <string>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <strings.h>

namespace fwx::net {

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

std::optional<Address> Address::tryParse(std::string_view text) {
    const std::string s(text);
    in6_addr a6{};
    if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
        return fromV6(a6);
    }
    in_addr a4{};
    if (inet_pton(AF_INET, s.c_str(), &a4) == 1) {
        return fromV4(a4);
    }
    return std::nullopt;
}

Address Address::parse(std::string_view text) {
    auto a = tryParse(text);
    if (!a) {
        throwInvalid("\"" + std::string(text) + "\" is not an IPv4 or IPv6 address");
    }
    return *a;
}

Address Address::fromV4(const in_addr& addr) {
    Address a;
    a.family_ = Family::V4;
    std::memcpy(a.bytes_.data(), &addr, 4);
    return a;
}

Address Address::fromV6(const in6_addr& addr) {
    Address a;
    a.family_ = Family::V6;
    std::memcpy(a.bytes_.data(), &addr, 16);
    return a;
}

Address Address::fromBytes(Family family, std::span<const std::uint8_t> bytes) {
    const std::size_t want = family == Family::V4 ? 4 : 16;
    if (bytes.size() != want) {
        throwInvalid("wrong address length " + std::to_string(bytes.size()));
    }
    Address a;
    a.family_ = family;
    std::copy(bytes.begin(), bytes.end(), a.bytes_.begin());
    return a;
}

Address Address::any(Family family) {
    Address a;
    a.family_ = family;
    return a;
}

std::span<const std::uint8_t> Address::bytes() const noexcept {
    return {bytes_.data(), family_ == Family::V4 ? 4U : 16U};
}

in_addr Address::v4() const {
    in_addr a{};
    std::memcpy(&a, bytes_.data(), 4);
    return a;
}

in6_addr Address::v6() const {
    in6_addr a{};
    std::memcpy(&a, bytes_.data(), 16);
    return a;
}

bool Address::isUnspecified() const noexcept {
    const auto b = bytes();
    return std::all_of(b.begin(), b.end(), [](std::uint8_t x) { return x == 0; });
}

bool Address::isLoopback() const noexcept {
    if (isV4()) {
        return bytes_[0] == 127;
    }
    const auto b = bytes();
    return std::all_of(b.begin(), b.end() - 1, [](std::uint8_t x) { return x == 0; }) &&
           bytes_[15] == 1;
}

bool Address::isMulticast() const noexcept {
    return isV4() ? (bytes_[0] & 0xf0) == 0xe0 : bytes_[0] == 0xff;
}

bool Address::isLinkLocal() const noexcept {
    return isV4() ? bytes_[0] == 169 && bytes_[1] == 254
                  : bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80;
}

std::string Address::toString() const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(toAddressFamily(family_), bytes_.data(), buf, sizeof buf);
    return buf;
}

Endpoint Endpoint::parse(std::string_view text, bool allowZeroPort) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        throwInvalid("\"" + std::string(text) + "\" is not an endpoint");
    }
    std::string_view host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    const std::string_view portText = text.substr(colon + 1);
    unsigned port = 0;
    const auto [ptr, ec] = std::from_chars(portText.begin(), portText.end(), port);
    if (ec != std::errc() || ptr != portText.end() || port > 65535 ||
        (port == 0 && !allowZeroPort)) {
        throwInvalid("\"" + std::string(text) + "\" has no valid port");
    }
    return Endpoint{Address::parse(host), static_cast<std::uint16_t>(port)};
}

std::string Endpoint::toString() const {
    const std::string a = address.toString();
    return (address.isV6() ? "[" + a + "]" : a) + ":" + std::to_string(port);
}

Prefix Prefix::of(const Address& address, std::uint8_t length) {
    const unsigned width = address.isV4() ? 32 : 128;
    if (length > width) {
        throwInvalid("prefix length " + std::to_string(length) + " is too long");
    }
    std::array<std::uint8_t, 16> b{};
    const auto in = address.bytes();
    std::copy(in.begin(), in.end(), b.begin());
    for (unsigned bit = length; bit < width; ++bit) {
        b[bit / 8] = static_cast<std::uint8_t>(b[bit / 8] & ~(0x80U >> (bit % 8)));
    }
    Prefix p;
    p.network_ = Address::fromBytes(address.family(), std::span(b.data(), in.size()));
    p.length_ = length;
    return p;
}

Prefix Prefix::host(const Address& address) {
    return of(address, address.isV4() ? 32 : 128);
}

Prefix Prefix::any(Family family) {
    return of(Address::any(family), 0);
}

std::optional<Prefix> Prefix::tryParse(std::string_view text) {
    const auto slash = text.find('/');
    auto address = Address::tryParse(text.substr(0, slash));
    if (!address) {
        return std::nullopt;
    }
    if (slash == std::string_view::npos) {
        return host(*address);
    }
    const std::string_view lengthText = text.substr(slash + 1);
    unsigned length = 0;
    const auto [ptr, ec] = std::from_chars(lengthText.begin(), lengthText.end(), length);
    if (ec != std::errc() || ptr != lengthText.end() || length > (address->isV4() ? 32U : 128U)) {
        return std::nullopt;
    }
    Prefix p = of(*address, static_cast<std::uint8_t>(length));
    if (p.network_ != *address) {
        return std::nullopt;
    }
    return p;
}

Prefix Prefix::parse(std::string_view text) {
    auto p = tryParse(text);
    if (!p) {
        throwInvalid("\"" + std::string(text) + "\" is not a prefix");
    }
    return *p;
}

bool Prefix::contains(const Address& address) const noexcept {
    if (address.family() != family()) {
        return false;
    }
    return of(address, length_).network_ == network_;
}

bool Prefix::isHost() const noexcept {
    return length_ == (network_.isV4() ? 32 : 128);
}

std::string Prefix::toString() const {
    return isHost() ? network_.toString() : network_.toString() + "/" + std::to_string(length_);
}

std::string_view toString(Transport transport) {
    return transport == Transport::Tcp ? "tcp" : "udp";
}

Transport parseTransport(std::string_view text) {
    const std::string s(text);
    if (strcasecmp(s.c_str(), "tcp") == 0) {
        return Transport::Tcp;
    }
    if (strcasecmp(s.c_str(), "udp") == 0) {
        return Transport::Udp;
    }
    throwInvalid("\"" + s + "\" is not tcp or udp");
}

std::uint8_t ipProtocol(Transport transport) {
    return transport == Transport::Tcp ? IPPROTO_TCP : IPPROTO_UDP;
}

bool isLocalAddress(const Address& address) {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) {
        throwSystemError("getifaddrs", errno);
    }
    const std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> guard(list, &freeifaddrs);
    for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
        if (i->ifa_addr == nullptr) {
            continue;
        }
        if (i->ifa_addr->sa_family == AF_INET) {
            sockaddr_in sin{};
            std::memcpy(&sin, i->ifa_addr, sizeof sin);
            if (Address::fromV4(sin.sin_addr) == address) {
                return true;
            }
        } else if (i->ifa_addr->sa_family == AF_INET6) {
            sockaddr_in6 sin6{};
            std::memcpy(&sin6, i->ifa_addr, sizeof sin6);
            if (Address::fromV6(sin6.sin6_addr) == address) {
                return true;
            }
        }
    }
    return false;
}

std::vector<std::uint16_t> queryBoundPorts(const Address& /*address*/, Transport /*transport*/) {
    throw Error(ErrorCode::NotSupported, "TEMP net stub: queryBoundPorts is not implemented");
}

} // namespace fwx::net
