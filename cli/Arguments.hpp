// Checks of command line arguments, done before any D-Bus call (a bad one exits with 64).
#pragma once

#include "net/Endpoint.hpp"
#include "net/Transport.hpp"

#include <string>
#include <string_view>

namespace fwx::cli {

// Each returns "" when text is valid, otherwise the message that says why not (the one of
// libfwx's parsers). For CLI11 validators.
std::string checkEndpoint(std::string_view text); // 192.0.2.1:80, [2001:db8::1]:80
std::string checkAddress(std::string_view text);  // 192.0.2.1, 2001:db8::1
std::string checkPrefix(std::string_view text);   // 192.0.2.0/24, or an address
std::string checkDuration(std::string_view text); // 30s, 1.5s, 1500ms, 2m, 1h, 10
std::string checkActionPath(std::string_view text);
std::string checkPrimary(std::string_view text); // tcp,192.0.2.2:40000,198.51.100.1:21

// --primary TRANSPORT,CLIENT:PORT,SERVER:PORT: the session's PrimaryConnection. Whether both
// ends are of one family is fwxd's to say. Throws fwx::Error(InvalidArgument).
struct PrimaryArgument {
    net::Transport transport = net::Transport::Tcp;
    net::Endpoint client;
    net::Endpoint server;
};
PrimaryArgument parsePrimary(std::string_view text);

// An action given as its path or its number: "7" -> "/org/fwxd/Firewall1/action/7".
// Throws fwx::Error(InvalidArgument).
std::string actionPath(std::string_view text);

} // namespace fwx::cli
