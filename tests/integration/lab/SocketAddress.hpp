// fwx::test::SocketAddress: an IP address and port as the socket calls want them.
//
// The lab keeps its own small type rather than fwx::net::Endpoint so that it tests
// libfwx without depending on the code under test for its own plumbing.
#pragma once

#include "net/Address.hpp"

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include <sys/socket.h>

namespace fwx::test {

using fwx::net::Family;

class SocketAddress {
public:
    // address is numeric IPv4 or IPv6 text; throws std::invalid_argument otherwise.
    SocketAddress(std::string_view address, std::uint16_t port);
    static SocketAddress fromSockaddr(const sockaddr_storage& storage);
    // The wildcard address (0.0.0.0 or ::) of family.
    static SocketAddress any(Family family, std::uint16_t port = 0);

    Family family() const noexcept;
    std::string address() const;
    std::uint16_t port() const noexcept;
    // "192.0.2.1:80" or "[2001:db8::1]:80"
    std::string toString() const;

    const sockaddr* get() const noexcept;
    socklen_t size() const noexcept;
    int domain() const noexcept { return storage_.ss_family; }

    friend bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept;

private:
    SocketAddress() = default;
    sockaddr_storage storage_{};
};

std::ostream& operator<<(std::ostream& out, const SocketAddress& address);

// "IPv4" / "IPv6", for messages and gtest parameter names (libfwx's toString(Family) is
// the code under test).
std::string_view familyName(Family family);
int addressFamily(Family family);

} // namespace fwx::test
