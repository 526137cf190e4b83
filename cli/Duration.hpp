// Durations on the command line: "30s", "1.5s", "1500ms", "0.25m", "1h", or a plain number of
// seconds ("10", "0.5").
#pragma once

#include <chrono>
#include <string_view>

namespace fwx::cli {

// Parses a non-negative decimal number, with an optional fraction after a point, followed by
// an optional unit: us, ms, s, m, h (no unit = seconds). The result must be a whole number of
// microseconds ("1.5ms" is, "1.5us" is not): fwxd's timeouts are microseconds, and rounding
// silently would give a timeout the user did not ask for. Throws fwx::Error(InvalidArgument)
// with a message that quotes the text and says what was wrong, e.g. `duration "10x": unknown
// unit "x" (use us, ms, s, m or h)`. Zero and values that do not fit 64-bit microseconds are
// errors.
std::chrono::microseconds parseDuration(std::string_view text);

} // namespace fwx::cli
