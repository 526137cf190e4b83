// Parsers for the values of fwxd.conf keys. Internal.
//
// Each takes the value as inih hands it over (trimmed, comments removed) and throws
// fwx::Error(InvalidArgument) with a message about the value alone, quoting it; the
// caller prefixes the file, line, section and key.
#pragma once

#include "net/Address.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fwx::config {

// A plain decimal number (digits only) in min..max.
std::uint32_t parseNumber(std::string_view value, std::uint32_t min, std::uint32_t max);

// yes/no, true/false, on/off or 1/0.
bool parseBoolean(std::string_view value);

// A number of seconds in min..max, as parseNumber().
std::chrono::seconds parseSeconds(std::string_view value, std::uint32_t min, std::uint32_t max);

// The items of a list separated by blanks and/or commas; empty for an empty value.
// An item given twice is an error.
std::vector<std::string> parseList(std::string_view value);

// A list (as parseList) of addresses clients can be sent to: not unspecified, not
// multicast, none twice (also when written differently, e.g. "fd71:1::1" and
// "fd71:1:0::1").
std::vector<net::Address> parseAddresses(std::string_view value);

} // namespace fwx::config
