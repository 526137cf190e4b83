#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace fwx::daemon::log {

// Syslog priorities, as sd-daemon(3) prefixes them.
enum class Priority { Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

// One line on stderr. Under systemd (JOURNAL_STREAM names stderr) the line carries the
// "<N>" prefix journald reads the priority from; on a terminal it is plain text. The line
// goes through safeLine first: whatever a caller put into it, it stays one line.
void write(Priority priority, std::string_view line);

// The most bytes of one log line, and of one caller-supplied string within it.
inline constexpr std::size_t MaxLineBytes = 4096;
inline constexpr std::size_t MaxUntrustedBytes = 256;

// line with every control character (C0, DEL and the UTF-8 encoded C1 range) and the
// backslash written as a \xNN escape, and cut to MaxLineBytes with a note of how much was
// left out: a newline cannot start a forged line (nor "<0>" an emergency under journald),
// and an escape sequence cannot reach the admin's terminal.
std::string safeLine(std::string_view line);

// A string a client chose (a session's Description, a protocol's Name), for a log line:
// quoted, and cut to MaxUntrustedBytes with a note of its full size.
std::string untrusted(std::string_view text);

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
