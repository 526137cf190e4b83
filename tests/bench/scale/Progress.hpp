// fwx::bench::progress: what a scale run is doing, on stderr, with the time since it started.
#pragma once

#include <string>
#include <utility>

#include <fmt/format.h>

namespace fwx::bench {

// Seconds since the process started.
double secondsRunning();
void progressLine(const std::string& line);

template <class... Args> void progress(fmt::format_string<Args...> format, Args&&... args) {
    progressLine(fmt::format(format, std::forward<Args>(args)...));
}

} // namespace fwx::bench
