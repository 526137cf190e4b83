#include "daemon/Log.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <sys/stat.h>

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

} // namespace

std::string safeLine(std::string_view line) {
    std::string out;
    out.reserve(std::min(line.size(), MaxLineBytes));
    std::size_t i = 0;
    for (; i < line.size() && out.size() < MaxLineBytes; ++i) {
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

void write(Priority priority, std::string_view text) {
    static const bool journal = stderrIsJournal();
    const std::string line = safeLine(text);
    if (journal) {
        std::fprintf(stderr, "<%d>%.*s\n", static_cast<int>(priority),
                     static_cast<int>(line.size()), line.data());
    } else {
        std::fprintf(stderr, "fwxd: %.*s\n", static_cast<int>(line.size()), line.data());
    }
}

} // namespace fwx::daemon::log
