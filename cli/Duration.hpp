// Durations on the command line: "30s", "1500ms", "2m", "1h", or a plain number of seconds.
#pragma once

#include <chrono>
#include <string_view>

namespace fwx::cli {

// Parses a non-negative whole number followed by an optional unit: us, ms, s, m, h (no unit =
// seconds). Throws fwx::Error(InvalidArgument) with a message that quotes the text and says
// what was expected, e.g. `"10x": unknown unit "x" (use us, ms, s, m or h)`. Zero and values
// that do not fit 64-bit microseconds are errors.
std::chrono::microseconds parseDuration(std::string_view text);

} // namespace fwx::cli
