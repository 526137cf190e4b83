#include "cli/Duration.hpp"

#include "error/Error.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

namespace fwx::cli {

namespace {

using Micros = std::chrono::microseconds::rep;

std::string quoted(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

[[noreturn]] void fail(std::string_view text, const std::string& why) {
    throwInvalid("duration " + quoted(text) + ": " + why);
}

constexpr const char* Expected =
    "expected a whole number and a unit: 30s, 1500ms, 2m, 1h; a plain number is seconds";

constexpr Micros MicrosPerSecond = 1000000;

// Microseconds per unit.
constexpr std::array<std::pair<std::string_view, Micros>, 5> Units{{
    {"us", 1},
    {"ms", 1000},
    {"s", 1000 * 1000},
    {"m", 60LL * 1000 * 1000},
    {"h", 3600LL * 1000 * 1000},
}};

} // namespace

std::chrono::microseconds parseDuration(std::string_view text) {
    if (text.empty()) {
        fail(text, std::string("empty (") + Expected + ")");
    }
    std::size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
        ++digits;
    }
    if (digits == 0) {
        fail(text, std::string("not a number (") + Expected + ")");
    }
    const std::string_view unit = text.substr(digits);
    Micros perUnit = 0;
    if (unit.empty()) {
        perUnit = MicrosPerSecond;
    } else {
        for (const auto& [name, micros] : Units) {
            if (name == unit) {
                perUnit = micros;
            }
        }
        if (perUnit == 0) {
            fail(text, "unknown unit " + quoted(unit) + " (use us, ms, s, m or h)");
        }
    }
    constexpr Micros Max = std::numeric_limits<Micros>::max();
    Micros number = 0;
    for (const char digit : text.substr(0, digits)) {
        const Micros value = digit - '0';
        if (number > (Max - value) / 10) {
            fail(text, "too large");
        }
        number = number * 10 + value;
    }
    if (number > Max / perUnit) {
        fail(text, "too large");
    }
    if (number == 0) {
        fail(text, "must be greater than zero");
    }
    return std::chrono::microseconds(number * perUnit);
}

} // namespace fwx::cli
