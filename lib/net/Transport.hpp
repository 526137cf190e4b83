#pragma once

#include <cstdint>
#include <string_view>

namespace fwx::net {

// Transport of a redirect's secondary connections.
enum class Transport : std::uint8_t { Tcp, Udp };

// "tcp" / "udp"
std::string_view toString(Transport transport);
// Accepts "tcp" and "udp" (any case); throws fwx::Error(InvalidArgument) otherwise.
Transport parseTransport(std::string_view text);
// IPPROTO_TCP / IPPROTO_UDP
std::uint8_t ipProtocol(Transport transport);

} // namespace fwx::net
