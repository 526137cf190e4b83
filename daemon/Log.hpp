#pragma once

#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace fwx::daemon::log {

// Syslog priorities, as sd-daemon(3) prefixes them.
enum class Priority { Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

// One line on stderr. Under systemd (JOURNAL_STREAM names stderr) the line carries the
// "<N>" prefix journald reads the priority from; on a terminal it is plain text.
void write(Priority priority, std::string_view line);

template <typename... Args> void error(fmt::format_string<Args...> format, Args&&... args) {
    write(Priority::Error, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args> void warning(fmt::format_string<Args...> format, Args&&... args) {
    write(Priority::Warning, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args> void info(fmt::format_string<Args...> format, Args&&... args) {
    write(Priority::Info, fmt::format(format, std::forward<Args>(args)...));
}

} // namespace fwx::daemon::log
