#pragma once

#include "daemon/MessageIds.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <sys/types.h>

namespace fwx::daemon::log {

// Syslog priorities, as sd-daemon(3) prefixes them and the journal's PRIORITY holds them.
enum class Priority { Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

// What a record is about, as journal fields (fwxd(8), LOGGING); empty ones are left out.
// The plain stderr line does not show them: its text already names what matters.
struct Fields {
    std::string session;              // SESSION: a session's object path
    std::vector<std::string> actions; // ACTION, once per action (at most MaxActionFields)
    std::optional<uid_t> callerUid;   // CALLER_UID: the uid the bus driver vouches for
    std::string caller;               // CALLER: a client's bus unique name
    std::string protocolGuid;         // PROTOCOL_GUID
};

// One log record: what the call site said, before anything made it safe.
struct Record {
    Priority priority = Priority::Info;
    Event event = Event::None;
    Fields fields;
    std::string text;
};

// The most bytes of one log line (and MESSAGE), of one caller-supplied string within it,
// and of any other field's value.
inline constexpr std::size_t MaxLineBytes = 4096;
inline constexpr std::size_t MaxUntrustedBytes = 256;
inline constexpr std::size_t MaxFieldBytes = 256;
// ACTION fields of one record: the default MaxPortsPerRequest, so that a default
// request's record names each of its actions. journald drops a record of more than 1024
// fields; a larger request's record names its first 64 actions (its MESSAGE says how many).
inline constexpr std::size_t MaxActionFields = 64;

// line with every control character (C0, DEL and the UTF-8 encoded C1 range) and the
// backslash written as a \xNN escape, and cut to limit bytes with a note of how much was
// left out: a newline cannot start a forged line (nor "<0>" an emergency under journald,
// nor "MESSAGE=" a forged journal field), and an escape sequence cannot reach the admin's
// terminal.
std::string safeLine(std::string_view line, std::size_t limit = MaxLineBytes);

// A string a client chose (a session's Description, a protocol's Name), for a log line:
// quoted, and cut to MaxUntrustedBytes with a note of its full size.
std::string untrusted(std::string_view text);

// The record as journal fields, "NAME=value" each: MESSAGE (the stderr line's text),
// PRIORITY, SYSLOG_IDENTIFIER=fwxd, MESSAGE_ID if the record has an event, then the
// Fields that are set. Every value goes through safeLine (MESSAGE cut at MaxLineBytes, the
// others at MaxFieldBytes), so no value holds a newline and none can add a field.
std::vector<std::string> journalFields(const Record& record);
// The record as a line on stderr (without the newline): "fwxd: TEXT" for a terminal, a
// file or a pipe; "<6>TEXT" for a journal stream, which reads the priority from the prefix.
std::string plainLine(const Record& record);
std::string streamLine(const Record& record);

// Where records go.
class Sink {
public:
    virtual ~Sink() = default;
    virtual void write(const Record& record) = 0;
};

// The sink for this process's stderr: the journal's native protocol (sd_journal_sendv)
// when stderr is a journal stream (JOURNAL_STREAM names it, systemd.exec(5)), with
// streamLine on stderr if the journal refuses a record; plainLine otherwise.
std::unique_ptr<Sink> sinkForStderr();
// Sends every later record to sink and returns the one before. main() sets it once; until
// then records are plain lines on stderr. (One per process: the log has no other state.)
std::unique_ptr<Sink> setSink(std::unique_ptr<Sink> sink);

void write(const Record& record);

template <typename... Args>
void error(Event event, Fields fields, fmt::format_string<Args...> format, Args&&... args) {
    write({Priority::Error, event, std::move(fields),
           fmt::format(format, std::forward<Args>(args)...)});
}
template <typename... Args>
void warning(Event event, Fields fields, fmt::format_string<Args...> format, Args&&... args) {
    write({Priority::Warning, event, std::move(fields),
           fmt::format(format, std::forward<Args>(args)...)});
}
template <typename... Args>
void info(Event event, Fields fields, fmt::format_string<Args...> format, Args&&... args) {
    write({Priority::Info, event, std::move(fields),
           fmt::format(format, std::forward<Args>(args)...)});
}

// Records of no particular kind, about nothing in particular.
template <typename... Args> void error(fmt::format_string<Args...> format, Args&&... args) {
    write({Priority::Error, Event::None, {}, fmt::format(format, std::forward<Args>(args)...)});
}
template <typename... Args> void warning(fmt::format_string<Args...> format, Args&&... args) {
    write({Priority::Warning, Event::None, {}, fmt::format(format, std::forward<Args>(args)...)});
}
template <typename... Args> void info(fmt::format_string<Args...> format, Args&&... args) {
    write({Priority::Info, Event::None, {}, fmt::format(format, std::forward<Args>(args)...)});
}

} // namespace fwx::daemon::log
