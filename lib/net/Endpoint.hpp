#pragma once

#include "net/Address.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <sys/socket.h>

namespace fwx::net {

// An address and a port: "192.0.2.1:80" or "[2001:db8::1]:80".
struct Endpoint {
    Address address;
    std::uint16_t port = 0;

    // Throws fwx::Error(InvalidArgument); the port must be 1..65535 unless allowZeroPort.
    static Endpoint parse(std::string_view text, bool allowZeroPort = false);
    static Endpoint fromSockaddr(const sockaddr* sa, socklen_t len);

    Family family() const noexcept { return address.family(); }
    // Returns the length filled in.
    socklen_t toSockaddr(sockaddr_storage& out) const noexcept;
    std::string toString() const;

    auto operator<=>(const Endpoint&) const = default;
};

} // namespace fwx::net
