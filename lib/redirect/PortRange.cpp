#include "redirect/PortRange.hpp"

#include "error/Error.hpp"

#include <charconv>
#include <cstdint>
#include <string>
#include <system_error>

#include <fmt/format.h>

namespace fwx::redirect {

namespace {

constexpr std::uint32_t maxPort = 65535;

// One side of "FIRST-LAST". from_chars rejects signs and leading spaces by itself;
// what it leaves unparsed is junk.
std::uint16_t parsePort(std::string_view range, std::string_view text, std::string_view which) {
    if (text.empty()) {
        throwInvalid(fmt::format("port range \"{}\": the {} port is missing", range, which));
    }
    std::uint32_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc::invalid_argument || end != text.data() + text.size()) {
        throwInvalid(fmt::format("port range \"{}\": \"{}\" is not a port number", range, text));
    }
    if (ec == std::errc::result_out_of_range || value > maxPort) {
        throwInvalid(
            fmt::format("port range \"{}\": {} port {} is above {}", range, which, text, maxPort));
    }
    if (value == 0) {
        throwInvalid(fmt::format("port range \"{}\": port 0 cannot be allocated", range));
    }
    return static_cast<std::uint16_t>(value);
}

} // namespace

PortRange::PortRange(std::uint16_t first, std::uint16_t last)
    : first_(first)
    , last_(last) {
    if (first == 0) {
        throwInvalid(fmt::format("port range {}-{}: port 0 cannot be allocated", first, last));
    }
    if (first > last) {
        throwInvalid(fmt::format("port range {}-{} is reversed: the first port is above the "
                                 "last (did you mean {}-{}?)",
                                 first, last, last, first));
    }
}

PortRange PortRange::parse(std::string_view text) {
    const auto dash = text.find('-');
    if (dash == std::string_view::npos) {
        throwInvalid(fmt::format(
            "port range \"{}\" is not of the form FIRST-LAST (e.g. 41000-41999)", text));
    }
    const std::uint16_t first = parsePort(text, text.substr(0, dash), "first");
    const std::uint16_t last = parsePort(text, text.substr(dash + 1), "last");
    return {first, last};
}

std::string PortRange::toString() const {
    return fmt::format("{}-{}", first_, last_);
}

} // namespace fwx::redirect
