#include "net/Text.hpp"

#include <algorithm>
#include <charconv>
#include <cstddef>

namespace fwx::net::text {

namespace {

// Long enough for any address, endpoint or prefix; longer input is junk anyway.
constexpr std::size_t kMaxQuoted = 80;

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

void appendEscaped(std::string& out, char c) {
    static constexpr std::string_view kHex = "0123456789abcdef";
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
    } else if (byte < 0x20 || byte >= 0x7f) {
        out += "\\x";
        out += kHex[byte >> 4];
        out += kHex[byte & 0x0f];
    } else {
        out += c;
    }
}

} // namespace

std::string quote(std::string_view text) {
    std::string out = "\"";
    for (char c : text.substr(0, kMaxQuoted)) {
        appendEscaped(out, c);
    }
    out += text.size() > kMaxQuoted ? "\"..." : "\"";
    return out;
}

bool hasOuterWhitespace(std::string_view text) {
    return !text.empty() && (isSpace(text.front()) || isSpace(text.back()));
}

Number parseDecimal(std::string_view text, std::uint32_t max) {
    if (text.empty()) {
        return {0, NumberError::Empty};
    }
    // std::from_chars alone would accept a valid prefix ("12abc" -> 12): every
    // character must be a digit.
    if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return {0, NumberError::NotDecimal};
    }
    std::uint32_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc::result_out_of_range || value > max) {
        return {0, NumberError::TooLarge};
    }
    if (ec != std::errc{} || end != text.data() + text.size()) {
        return {0, NumberError::NotDecimal};
    }
    return {value, std::nullopt};
}

} // namespace fwx::net::text
