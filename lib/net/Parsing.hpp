// The parsers behind Address, Prefix and Endpoint, in a form that does not throw.
// Internal: not part of the library's API.
//
// Each returns nullopt for bad text and, when why is not null, stores there the message
// that parse() throws. tryParse() passes null so that rejecting junk costs neither an
// exception nor building a message; Prefix and Endpoint use the why of their address.
#pragma once

#include "net/Address.hpp"
#include "net/Endpoint.hpp"
#include "net/Prefix.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace fwx::net::detail {

std::optional<Address> parseAddress(std::string_view text, std::string* why);
std::optional<Prefix> parsePrefix(std::string_view text, std::string* why);
std::optional<Endpoint> parseEndpoint(std::string_view text, bool allowZeroPort, std::string* why);

// Stores the message describe() makes in why, if the caller wants one (only then is it
// made); returns nullopt for the caller to return.
template <typename Describe> std::nullopt_t fail(std::string* why, Describe describe) {
    if (why != nullptr) {
        *why = describe();
    }
    return std::nullopt;
}

} // namespace fwx::net::detail
