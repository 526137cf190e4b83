// The parsers behind Address, Prefix and Endpoint, in a form that does not throw.
// Internal: not part of the library's API.
//
// Each returns nullopt for bad text and, when why is not null, stores there the message
// that parse() throws. tryParse() passes null so that rejecting junk costs no allocation
// and no exception; Prefix and Endpoint use the why of the address inside them.
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

// Stores message in why if the caller wants it; returns nullopt for the caller to return.
inline std::nullopt_t fail(std::string* why, std::string message) {
    if (why != nullptr) {
        *why = std::move(message);
    }
    return std::nullopt;
}

} // namespace fwx::net::detail
