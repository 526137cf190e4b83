// fwx::test::ChildProcess: a long-running program the daemon tests start (dbus-daemon,
// fwxd), with a bounded wait for its exit. Short-lived commands go through lab/Command.
#pragma once

#include "lab/Deadline.hpp"
#include "lab/UniqueFd.hpp"

#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace fwx::test {

// A directory bound over another (MS_BIND).
struct BindMount {
    std::string source;
    std::string target;
};

struct ChildOptions {
    // Where the child's stdout and stderr go: a file opened for appending ("" = /dev/null).
    std::string outputFile;
    // A descriptor the child gets as descriptor 3 (-1 = none), e.g. a pipe for
    // dbus-daemon --print-address=3.
    int fd3 = -1;
    // The child's umask.
    mode_t umask = 022;
    // stderr (the output file) announced as a journal stream, as systemd does for
    // StandardError=journal: JOURNAL_STREAM holds its "device:inode" (systemd.exec(5)).
    bool journalStream = false;
    // Bound in a mount namespace of the child's own, whose mounts propagate nowhere: the
    // test's file system stays as it is. A child that cannot set them up writes why to its
    // output and exits 126.
    std::vector<BindMount> mounts;
    // A command the child is started through, its arguments before argv (e.g. setpriv(1)
    // with a uid and capabilities); empty = argv itself.
    std::vector<std::string> launcher;
};

class ChildProcess {
public:
    // Starts argv[0] (an absolute path) in the calling thread's network namespace. Throws
    // std::system_error if it cannot fork; a failing exec shows as exit status 127, failing
    // mounts as 126.
    explicit ChildProcess(const std::vector<std::string>& argv, const ChildOptions& options = {});
    // Kills (SIGKILL) and reaps the child if it still runs.
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const noexcept { return pid_; }

    // The exit status (exit code, or 128 + signal) once the child has exited, without waiting.
    std::optional<int> poll();
    // Waits up to timeout for the child to exit; nullopt if it still runs.
    std::optional<int> wait(milliseconds timeout);
    // Sends signal, then waits up to timeout; on timeout kills it and returns nullopt.
    std::optional<int> stop(int signal, milliseconds timeout);

private:
    std::optional<int> reap(int options);

    pid_t pid_ = -1;
    UniqueFd pidfd_;
    std::optional<int> status_;
};

} // namespace fwx::test
