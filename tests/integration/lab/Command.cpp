#include "lab/Command.hpp"

#include "lab/Errno.hpp"
#include "lab/UniqueFd.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <mutex>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ; // POSIX declares it in no header

namespace fwx::test {

namespace {

// Writing the input of a program that exited early must fail with EPIPE, not kill the
// test. The children get the default disposition back (POSIX_SPAWN_SETSIGDEF).
void ignoreSigpipe() {
    static std::once_flag once;
    std::call_once(once, [] { static_cast<void>(std::signal(SIGPIPE, SIG_IGN)); });
}

struct Pipe {
    UniqueFd read;
    UniqueFd write;
};

Pipe makePipe() {
    std::array<int, 2> fds{};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
        throw std::system_error(errno, std::generic_category(), "pipe2");
    }
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void setNonBlocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        throw std::system_error(errno, std::generic_category(), "fcntl(O_NONBLOCK)");
    }
}

// sudo and minimal CI images do not always put the sbin directories in PATH.
std::string resolveProgram(const std::string& name) {
    if (name.find('/') != std::string::npos) {
        return name;
    }
    const char* path = std::getenv("PATH");
    std::string dirs = path != nullptr ? path : "";
    dirs += ":/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin";
    std::istringstream in(dirs);
    for (std::string dir; std::getline(in, dir, ':');) {
        if (dir.empty()) {
            continue;
        }
        std::string candidate = dir;
        candidate += '/';
        candidate += name;
        if (::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
    }
    return name; // posix_spawn reports ENOENT with the name in the message
}

class SpawnActions {
public:
    SpawnActions() { check(posix_spawn_file_actions_init(&actions_), "file_actions_init"); }
    ~SpawnActions() { posix_spawn_file_actions_destroy(&actions_); }
    SpawnActions(const SpawnActions&) = delete;
    SpawnActions& operator=(const SpawnActions&) = delete;

    void dup2(int from, int to) {
        check(posix_spawn_file_actions_adddup2(&actions_, from, to), "adddup2");
    }
    void openDevNull(int to) {
        check(posix_spawn_file_actions_addopen(&actions_, to, "/dev/null", O_RDONLY, 0), "addopen");
    }
    const posix_spawn_file_actions_t* get() const noexcept { return &actions_; }

    static void check(int rc, const char* what) {
        if (rc != 0) {
            throw std::system_error(rc, std::generic_category(), what);
        }
    }

private:
    posix_spawn_file_actions_t actions_{};
};

class SpawnAttributes {
public:
    SpawnAttributes() {
        SpawnActions::check(posix_spawnattr_init(&attr_), "spawnattr_init");
        sigset_t defaults;
        sigemptyset(&defaults);
        sigaddset(&defaults, SIGPIPE);
        SpawnActions::check(posix_spawnattr_setsigdefault(&attr_, &defaults), "setsigdefault");
        SpawnActions::check(posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETSIGDEF), "setflags");
    }
    ~SpawnAttributes() { posix_spawnattr_destroy(&attr_); }
    SpawnAttributes(const SpawnAttributes&) = delete;
    SpawnAttributes& operator=(const SpawnAttributes&) = delete;
    const posix_spawnattr_t* get() const noexcept { return &attr_; }

private:
    posix_spawnattr_t attr_{};
};

// Reads what is available on fd into out; returns false at EOF.
bool drain(int fd, std::string& out) {
    std::array<char, 4096> buffer{};
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n > 0) {
            out.append(buffer.data(), static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0) {
            return false;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN) {
            return true;
        }
        throw std::system_error(errno, std::generic_category(), "read from child");
    }
}

// Writes as much of input[offset..] as the pipe takes; returns false once all is written
// or the reader went away (the program decides whether that is an error).
bool feed(int fd, std::string_view input, std::size_t& offset) {
    while (offset < input.size()) {
        const ssize_t n = ::write(fd, input.data() + offset, input.size() - offset);
        if (n >= 0) {
            offset += static_cast<std::size_t>(n);
            continue;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN) {
            return true;
        }
        if (errno == EPIPE) {
            return false;
        }
        throw std::system_error(errno, std::generic_category(), "write to child");
    }
    return false;
}

int waitForExit(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            throw std::system_error(errno, std::generic_category(), "waitpid");
        }
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct ChildIo {
    UniqueFd in; // empty when stdin is /dev/null
    UniqueFd out;
    UniqueFd err;
};

// Pumps input into the child and its output into result until both outputs reach EOF.
// Returns false if the deadline passed first.
bool exchange(ChildIo& io, const std::string& input, CommandResult& result,
              const Deadline& deadline) {
    std::size_t written = 0;
    if (io.in && !feed(io.in.get(), input, written)) {
        io.in.reset();
    }
    while (io.out || io.err) {
        std::array<pollfd, 3> fds{
            {{io.out.get(), POLLIN, 0}, {io.err.get(), POLLIN, 0}, {io.in.get(), POLLOUT, 0}}};
        const int n = ::poll(fds.data(), fds.size(), deadline.pollTimeout());
        if (n < 0 && errno != EINTR) {
            throw std::system_error(errno, std::generic_category(), "poll");
        }
        if (n == 0) {
            return false;
        }
        if (fds[0].revents != 0 && !drain(io.out.get(), result.out)) {
            io.out.reset();
        }
        if (fds[1].revents != 0 && !drain(io.err.get(), result.err)) {
            io.err.reset();
        }
        if (fds[2].revents != 0 && !feed(io.in.get(), input, written)) {
            io.in.reset();
        }
    }
    return true;
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& program,
            const SpawnActions& actions) {
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv) {
        // posix_spawn's signature predates const; it does not write the arguments.
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    const SpawnAttributes attributes;
    pid_t pid = 0;
    const int rc =
        ::posix_spawn(&pid, program.c_str(), actions.get(), attributes.get(), args.data(), environ);
    if (rc != 0) {
        throw CommandError("cannot start " + commandLine(argv) + ": " + errnoText(rc), {});
    }
    return pid;
}

} // namespace

CommandError::CommandError(const std::string& message, CommandResult result)
    : std::runtime_error(message)
    , result_(std::move(result)) {
}

CommandResult run(const std::vector<std::string>& argv, const CommandOptions& options) {
    if (argv.empty()) {
        throw std::invalid_argument("run: empty argv");
    }
    ignoreSigpipe();
    Pipe out = makePipe();
    Pipe err = makePipe();
    Pipe in;
    SpawnActions actions;
    if (options.input.empty()) {
        actions.openDevNull(STDIN_FILENO);
    } else {
        in = makePipe();
        actions.dup2(in.read.get(), STDIN_FILENO);
    }
    actions.dup2(out.write.get(), STDOUT_FILENO);
    actions.dup2(err.write.get(), STDERR_FILENO);

    const Deadline deadline(options.timeout);
    const pid_t pid = spawn(argv, resolveProgram(argv.front()), actions);
    // Only the child may hold these ends, or EOF would never come.
    in.read.reset();
    out.write.reset();
    err.write.reset();

    ChildIo io{std::move(in.write), std::move(out.read), std::move(err.read)};
    for (const UniqueFd* fd : {&io.in, &io.out, &io.err}) {
        if (*fd) {
            setNonBlocking(fd->get());
        }
    }
    CommandResult result;
    bool finished = false;
    try {
        finished = exchange(io, options.input, result, deadline);
    } catch (...) {
        static_cast<void>(::kill(pid, SIGKILL));
        static_cast<void>(waitForExit(pid));
        throw;
    }
    if (!finished) {
        static_cast<void>(::kill(pid, SIGKILL));
    }
    result.exitStatus = waitForExit(pid);
    if (!finished) {
        throw CommandError(commandLine(argv) + ": timed out after " +
                               std::to_string(options.timeout.count()) + " ms",
                           std::move(result));
    }
    if (options.throwOnFailure && result.exitStatus != 0) {
        std::string message = commandLine(argv) + ": exit status " +
                              std::to_string(result.exitStatus) + ": " + result.err;
        throw CommandError(message, std::move(result));
    }
    return result;
}

CommandResult tryRun(const std::vector<std::string>& argv) {
    CommandOptions options;
    options.throwOnFailure = false;
    return run(argv, options);
}

CommandResult runWithInput(const std::vector<std::string>& argv, std::string input) {
    CommandOptions options;
    options.input = std::move(input);
    return run(argv, options);
}

std::string commandLine(const std::vector<std::string>& argv) {
    std::string line;
    for (const auto& a : argv) {
        if (!line.empty()) {
            line += ' ';
        }
        const bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$;{}") == std::string::npos;
        line += plain ? a : "'" + a + "'";
    }
    return line;
}

std::vector<std::string> splitLines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(std::move(line));
    }
    return lines;
}

} // namespace fwx::test
