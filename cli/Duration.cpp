#include "cli/Duration.hpp"

#include "error/Error.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>

namespace fwx::cli {

namespace {

using Micros = std::chrono::microseconds::rep;

constexpr Micros Max = std::numeric_limits<Micros>::max();

std::string quoted(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

[[noreturn]] void fail(std::string_view text, const std::string& why) {
    throwInvalid("duration " + quoted(text) + ": " + why);
}

constexpr const char* Expected = "expected a number and a unit: 30s, 1.5s, 1500ms, 2m, 1h; a "
                                 "plain number is seconds";

// Microseconds per unit.
constexpr std::array<std::pair<std::string_view, Micros>, 5> Units{{
    {"us", 1},
    {"ms", 1000},
    {"s", 1000 * 1000},
    {"m", 60LL * 1000 * 1000},
    {"h", 3600LL * 1000 * 1000},
}};

// A fraction of more significant digits than this is finer than a microsecond in every unit
// (an hour is 2^10 * 3^2 * 5^8 µs: at most 8 factors of 10 cancel), and 10^9 times the largest
// unit still fits 64 bits.
constexpr std::size_t MaxFractionDigits = 9;

// "1.25s" -> whole "1", fraction "25", unit "s".
struct Parts {
    std::string_view whole;
    std::string_view fraction;
    std::string_view unit;
};

std::size_t digitsAt(std::string_view text, std::size_t from) {
    std::size_t end = from;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') {
        ++end;
    }
    return end - from;
}

Parts split(std::string_view text) {
    Parts parts;
    parts.whole = text.substr(0, digitsAt(text, 0));
    if (parts.whole.empty()) {
        fail(text, std::string("not a number (") + Expected + ")");
    }
    std::size_t next = parts.whole.size();
    if (next < text.size() && text[next] == '.') {
        parts.fraction = text.substr(next + 1, digitsAt(text, next + 1));
        if (parts.fraction.empty()) {
            fail(text, "no digits after the decimal point (e.g. 1.5s)");
        }
        next += 1 + parts.fraction.size();
    }
    parts.unit = text.substr(next);
    return parts;
}

Micros perUnit(std::string_view text, std::string_view unit) {
    if (unit.empty()) {
        return Units[2].second; // seconds
    }
    for (const auto& [name, micros] : Units) {
        if (name == unit) {
            return micros;
        }
    }
    const std::string hint = unit.starts_with(',') ? "; fractions take a point: 1.5s" : "";
    fail(text, "unknown unit " + quoted(unit) + " (use us, ms, s, m or h" + hint + ")");
}

// whole * unit, or nullopt if it does not fit.
std::optional<Micros> wholeMicros(std::string_view whole, Micros unit) {
    Micros number = 0;
    for (const char digit : whole) {
        const Micros value = digit - '0';
        if (number > (Max - value) / 10) {
            return std::nullopt;
        }
        number = number * 10 + value;
    }
    if (number > Max / unit) {
        return std::nullopt;
    }
    return number * unit;
}

// 0.fraction * unit in microseconds; fails unless it is a whole number of them.
Micros fractionMicros(std::string_view text, std::string_view fraction, Micros unit) {
    while (!fraction.empty() && fraction.back() == '0') {
        fraction.remove_suffix(1);
    }
    const auto notWhole = [&] {
        fail(text, "finer than a microsecond (not a whole number of microseconds)");
    };
    if (fraction.size() > MaxFractionDigits) {
        notWhole();
    }
    Micros digits = 0;
    Micros scale = 1;
    for (const char digit : fraction) {
        digits = digits * 10 + (digit - '0');
        scale *= 10;
    }
    if (digits * unit % scale != 0) {
        notWhole();
    }
    return digits * unit / scale;
}

} // namespace

std::chrono::microseconds parseDuration(std::string_view text) {
    if (text.empty()) {
        fail(text, std::string("empty (") + Expected + ")");
    }
    const Parts parts = split(text);
    const Micros unit = perUnit(text, parts.unit);
    const Micros fraction = fractionMicros(text, parts.fraction, unit);
    const std::optional<Micros> whole = wholeMicros(parts.whole, unit);
    if (!whole || *whole > Max - fraction) {
        fail(text, "too large");
    }
    if (*whole + fraction == 0) {
        fail(text, "must be greater than zero");
    }
    return std::chrono::microseconds(*whole + fraction);
}

} // namespace fwx::cli
