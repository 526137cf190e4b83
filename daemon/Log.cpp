#include "daemon/Log.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

// Without it, sd_journal_sendv adds CODE_FILE, CODE_LINE and CODE_FUNC: always this file's
// write(), which tells an admin nothing.
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

namespace fwx::daemon::log {

namespace {

// JOURNAL_STREAM is "device:inode" of the journal stream systemd connected; it only counts
// if stderr is still that stream (see systemd.exec(5)).
bool stderrIsJournal() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    struct stat st {};
    if (stream == nullptr || fstat(fileno(stderr), &st) < 0) {
        return false;
    }
    return std::string(stream) == std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

void escape(std::string& out, unsigned char byte) {
    out += fmt::format("\\x{:02x}", byte);
}

void writeLine(const std::string& line) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
}

void addField(std::vector<std::string>& out, std::string_view name, std::string_view value) {
    if (!value.empty()) {
        out.push_back(fmt::format("{}={}", name, safeLine(value, MaxFieldBytes)));
    }
}

void addFields(std::vector<std::string>& out, const Fields& fields) {
    addField(out, "SESSION", fields.session);
    const std::size_t actions = std::min(fields.actions.size(), MaxActionFields);
    for (std::size_t i = 0; i < actions; ++i) {
        addField(out, "ACTION", fields.actions[i]);
    }
    if (fields.callerUid) {
        out.push_back(fmt::format("CALLER_UID={}", *fields.callerUid));
    }
    addField(out, "CALLER", fields.caller);
    addField(out, "PROTOCOL_GUID", fields.protocolGuid);
}

// A terminal, a file or a pipe: one plain line per record.
class StderrSink final : public Sink {
public:
    void write(const Record& record) override { writeLine(plainLine(record)); }
};

// sd_journal_sendv's fixed destination.
constexpr const char* JournalSocket = "/run/systemd/journal/socket";

bool sentToJournal(const Record& record) {
    // sd_journal_sendv drops a record without a word (and returns 0) when the socket does
    // not exist, e.g. in a mount namespace that hides it: ask first.
    if (::access(JournalSocket, F_OK) != 0) {
        return false;
    }
    const std::vector<std::string> fields = journalFields(record);
    std::vector<iovec> vector;
    vector.reserve(fields.size());
    for (const std::string& field : fields) {
        vector.push_back({const_cast<char*>(field.data()), field.size()});
    }
    return sd_journal_sendv(vector.data(), static_cast<int>(vector.size())) >= 0;
}

// A journal stream: journald would take the line, but only the native protocol carries
// fields. The line stays the way out when the journal socket is missing or refuses (the
// stream may still reach journald, which reads the priority from the "<N>" prefix).
class JournalSink final : public Sink {
public:
    void write(const Record& record) override {
        if (!sentToJournal(record)) {
            writeLine(streamLine(record));
        }
    }
};

std::unique_ptr<Sink>& currentSink() {
    static std::unique_ptr<Sink> sink = std::make_unique<StderrSink>();
    return sink;
}

} // namespace

std::string safeLine(std::string_view line, std::size_t limit) {
    std::string out;
    out.reserve(std::min(line.size(), limit));
    std::size_t i = 0;
    for (; i < line.size() && out.size() < limit; ++i) {
        const auto byte = static_cast<unsigned char>(line[i]);
        const unsigned char next = i + 1 < line.size() ? static_cast<unsigned char>(line[i + 1])
                                                       : static_cast<unsigned char>(0);
        if (byte < 0x20 || byte == 0x7f || byte == '\\') {
            escape(out, byte);
        } else if (byte == 0xc2 && next >= 0x80 && next <= 0x9f) { // C1, e.g. CSI (U+009B)
            escape(out, byte);
            escape(out, next);
            ++i;
        } else {
            out += static_cast<char>(byte);
        }
    }
    if (i < line.size()) {
        out += fmt::format("... ({} more bytes)", line.size() - i);
    }
    return out;
}

std::string untrusted(std::string_view text) {
    if (text.size() <= MaxUntrustedBytes) {
        return fmt::format("\"{}\"", text);
    }
    return fmt::format("\"{}...\" ({} bytes)", text.substr(0, MaxUntrustedBytes), text.size());
}

std::vector<std::string> journalFields(const Record& record) {
    std::vector<std::string> fields{
        "MESSAGE=" + safeLine(record.text),
        fmt::format("PRIORITY={}", static_cast<int>(record.priority)),
        "SYSLOG_IDENTIFIER=fwxd",
    };
    if (record.event != Event::None) {
        fields.push_back(fmt::format("MESSAGE_ID={}", messageId(record.event)));
    }
    addFields(fields, record.fields);
    return fields;
}

std::string plainLine(const Record& record) {
    return "fwxd: " + safeLine(record.text);
}

std::string streamLine(const Record& record) {
    return fmt::format("<{}>{}", static_cast<int>(record.priority), safeLine(record.text));
}

std::unique_ptr<Sink> sinkForStderr() {
    if (stderrIsJournal()) {
        return std::make_unique<JournalSink>();
    }
    return std::make_unique<StderrSink>();
}

std::unique_ptr<Sink> setSink(std::unique_ptr<Sink> sink) {
    std::swap(currentSink(), sink);
    return sink;
}

void write(const Record& record) {
    currentSink()->write(record);
}

} // namespace fwx::daemon::log
