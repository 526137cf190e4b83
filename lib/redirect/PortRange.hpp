#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace fwx::redirect {

// The inclusive range of ports redirects are allocated from, e.g. 41000-41999.
// Always valid: 1 <= first <= last <= 65535.
class PortRange {
public:
    // Throws fwx::Error(InvalidArgument) if first is 0 or first > last.
    PortRange(std::uint16_t first, std::uint16_t last);

    // "FIRST-LAST", decimal, nothing else (no spaces, no signs). Throws
    // fwx::Error(InvalidArgument) quoting the text and saying what is wrong with it.
    static PortRange parse(std::string_view text);

    std::uint16_t first() const noexcept { return first_; }
    std::uint16_t last() const noexcept { return last_; }
    // How many ports: 1..65535.
    unsigned size() const noexcept { return unsigned{last_} - first_ + 1U; }
    bool contains(unsigned port) const noexcept { return port >= first_ && port <= last_; }

    // "41000-41999", the form parse() accepts.
    std::string toString() const;

    auto operator<=>(const PortRange&) const = default;

private:
    std::uint16_t first_;
    std::uint16_t last_;
};

} // namespace fwx::redirect
