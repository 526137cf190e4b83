#include "lab/SocketAddress.hpp"

#include <array>
#include <cstring>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace fwx::test {

namespace {

// sockaddr_storage is the one type the socket API lets us reinterpret as any of the
// concrete address structures.
sockaddr_in& v4(sockaddr_storage& s) {
    return *reinterpret_cast<sockaddr_in*>(&s);
}
const sockaddr_in& v4(const sockaddr_storage& s) {
    return *reinterpret_cast<const sockaddr_in*>(&s);
}
sockaddr_in6& v6(sockaddr_storage& s) {
    return *reinterpret_cast<sockaddr_in6*>(&s);
}
const sockaddr_in6& v6(const sockaddr_storage& s) {
    return *reinterpret_cast<const sockaddr_in6*>(&s);
}

} // namespace

SocketAddress::SocketAddress(std::string_view address, std::uint16_t port) {
    const std::string text(address);
    if (::inet_pton(AF_INET, text.c_str(), &v4(storage_).sin_addr) == 1) {
        v4(storage_).sin_family = AF_INET;
        v4(storage_).sin_port = htons(port);
    } else if (::inet_pton(AF_INET6, text.c_str(), &v6(storage_).sin6_addr) == 1) {
        v6(storage_).sin6_family = AF_INET6;
        v6(storage_).sin6_port = htons(port);
    } else {
        throw std::invalid_argument("\"" + text + "\" is not a numeric IPv4 or IPv6 address");
    }
}

SocketAddress SocketAddress::fromSockaddr(const sockaddr_storage& storage) {
    if (storage.ss_family != AF_INET && storage.ss_family != AF_INET6) {
        throw std::invalid_argument("not an IPv4 or IPv6 socket address (family " +
                                    std::to_string(storage.ss_family) + ")");
    }
    SocketAddress result;
    result.storage_ = storage;
    return result;
}

SocketAddress SocketAddress::any(Family family, std::uint16_t port) {
    return {family == Family::V4 ? "0.0.0.0" : "::", port};
}

Family SocketAddress::family() const noexcept {
    return storage_.ss_family == AF_INET ? Family::V4 : Family::V6;
}

std::string SocketAddress::address() const {
    std::array<char, INET6_ADDRSTRLEN> text{};
    const void* raw = family() == Family::V4 ? static_cast<const void*>(&v4(storage_).sin_addr)
                                             : static_cast<const void*>(&v6(storage_).sin6_addr);
    ::inet_ntop(storage_.ss_family, raw, text.data(), static_cast<socklen_t>(text.size()));
    return text.data();
}

std::uint16_t SocketAddress::port() const noexcept {
    return ntohs(family() == Family::V4 ? v4(storage_).sin_port : v6(storage_).sin6_port);
}

std::string SocketAddress::toString() const {
    const std::string port = std::to_string(this->port());
    return family() == Family::V4 ? address() + ":" + port : "[" + address() + "]:" + port;
}

const sockaddr* SocketAddress::get() const noexcept {
    return reinterpret_cast<const sockaddr*>(&storage_);
}

socklen_t SocketAddress::size() const noexcept {
    return family() == Family::V4 ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
}

bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept {
    return a.family() == b.family() && a.port() == b.port() &&
           (a.family() == Family::V4
                ? std::memcmp(&v4(a.storage_).sin_addr, &v4(b.storage_).sin_addr,
                              sizeof(in_addr)) == 0
                : std::memcmp(&v6(a.storage_).sin6_addr, &v6(b.storage_).sin6_addr,
                              sizeof(in6_addr)) == 0);
}

std::ostream& operator<<(std::ostream& out, const SocketAddress& address) {
    return out << address.toString();
}

std::string_view familyName(Family family) {
    return family == Family::V4 ? "IPv4" : "IPv6";
}

int addressFamily(Family family) {
    return family == Family::V4 ? AF_INET : AF_INET6;
}

} // namespace fwx::test
