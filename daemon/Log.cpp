#include "daemon/Log.hpp"

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

} // namespace

void write(Priority priority, std::string_view line) {
    static const bool journal = stderrIsJournal();
    if (journal) {
        std::fprintf(stderr, "<%d>%.*s\n", static_cast<int>(priority),
                     static_cast<int>(line.size()), line.data());
    } else {
        std::fprintf(stderr, "fwxd: %.*s\n", static_cast<int>(line.size()), line.data());
    }
}

} // namespace fwx::daemon::log
