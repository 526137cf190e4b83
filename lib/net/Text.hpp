// Text helpers shared by the parsers of lib/net. Internal: not part of the library's API.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fwx::net::text {

// The text in double quotes, ready to put in an error message: control characters,
// quotes and non-ASCII bytes are escaped and very long input is cut, because the text
// may come from an untrusted client and ends up in logs and D-Bus replies.
std::string quote(std::string_view text);

// True if text starts or ends with a space, tab, newline or other whitespace.
bool hasOuterWhitespace(std::string_view text);

// A plain decimal number (digits only: no sign, no spaces, no "0x") no larger than max.
enum class NumberError : std::uint8_t { Empty, NotDecimal, TooLarge };
struct Number {
    std::uint32_t value = 0;
    std::optional<NumberError> error;
};
Number parseDecimal(std::string_view text, std::uint32_t max);

} // namespace fwx::net::text
