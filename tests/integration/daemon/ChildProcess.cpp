#include "ChildProcess.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <string_view>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fwx::test {

namespace {

int exitStatusOf(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    return 128 + WTERMSIG(status);
}

// Everything the child needs after the fork, made before it: the child of a multi-threaded
// process may only make async-signal-safe calls (no allocation).
struct Exec {
    std::vector<char*> argv;
    std::vector<std::string> environment;
    std::vector<char*> envp;
    std::vector<std::pair<const char*, const char*>> mounts;
    int output = -1;
    int fd3 = -1;
    mode_t umask = 022;
};

std::vector<char*> pointersTo(std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    pointers.reserve(strings.size() + 1);
    for (std::string& string : strings) {
        pointers.push_back(string.data());
    }
    pointers.push_back(nullptr);
    return pointers;
}

// The parent's environment; with journalStream, JOURNAL_STREAM names the output file.
std::vector<std::string> environmentFor(int output, bool journalStream) {
    std::vector<std::string> environment;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        if (!journalStream || !std::string_view(*entry).starts_with("JOURNAL_STREAM=")) {
            environment.emplace_back(*entry);
        }
    }
    struct stat st {};
    if (journalStream) {
        if (::fstat(output, &st) != 0) {
            throw std::system_error(errno, std::generic_category(), "fstat of the child's output");
        }
        environment.push_back("JOURNAL_STREAM=" + std::to_string(st.st_dev) + ":" +
                              std::to_string(st.st_ino));
    }
    return environment;
}

void writeText(const char* text) {
    const ssize_t ignored = ::write(STDERR_FILENO, text, std::strlen(text));
    static_cast<void>(ignored);
}

[[noreturn]] void mountFailed(const char* what, const char* path) {
    int error = errno;
    std::array<char, 16> digits{}; // the last one stays '\0'
    std::size_t at = digits.size() - 1;
    do {
        digits[--at] = static_cast<char>('0' + error % 10);
        error /= 10;
    } while (error > 0 && at > 0);
    writeText("test harness: cannot set up the child's mount namespace: ");
    writeText(what);
    writeText(path);
    writeText(": errno ");
    writeText(digits.data() + at);
    writeText("\n");
    ::_exit(126);
}

void enterMounts(const Exec& exec) {
    if (exec.mounts.empty()) {
        return;
    }
    if (::unshare(CLONE_NEWNS) != 0) {
        mountFailed("unshare(CLONE_NEWNS)", "");
    }
    // Nothing mounted from here on propagates back into the test's mount namespace.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
        mountFailed("making / private", "");
    }
    for (const auto& [source, target] : exec.mounts) {
        if (::mount(source, target, nullptr, MS_BIND, nullptr) != 0) {
            mountFailed("binding over ", target);
        }
    }
}

// Runs in the forked child of a multi-threaded process: async-signal-safe calls only.
[[noreturn]] void execChild(const Exec& exec) {
    const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || ::dup2(null, STDIN_FILENO) < 0) {
        ::_exit(127);
    }
    if (exec.output >= 0 &&
        (::dup2(exec.output, STDOUT_FILENO) < 0 || ::dup2(exec.output, STDERR_FILENO) < 0)) {
        ::_exit(127);
    }
    if (exec.fd3 >= 0 && ::dup2(exec.fd3, 3) < 0) {
        ::_exit(127);
    }
    enterMounts(exec);
    ::umask(exec.umask);
    ::execve(exec.argv[0], exec.argv.data(), exec.envp.data());
    ::_exit(127);
}

} // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const ChildOptions& options) {
    std::vector<std::string> arguments = options.launcher;
    arguments.insert(arguments.end(), argv.begin(), argv.end());
    UniqueFd output(::open(options.outputFile.empty() ? "/dev/null" : options.outputFile.c_str(),
                           O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!output) {
        throw std::system_error(errno, std::generic_category(), "open " + options.outputFile);
    }
    Exec exec;
    exec.argv = pointersTo(arguments);
    exec.environment = environmentFor(output.get(), options.journalStream);
    exec.envp = pointersTo(exec.environment);
    for (const BindMount& mount : options.mounts) {
        exec.mounts.emplace_back(mount.source.c_str(), mount.target.c_str());
    }
    exec.output = output.get();
    exec.fd3 = options.fd3;
    exec.umask = options.umask;
    pid_ = ::fork();
    if (pid_ < 0) {
        throw std::system_error(errno, std::generic_category(), "fork");
    }
    if (pid_ == 0) {
        execChild(exec);
    }
    pidfd_.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
    if (!pidfd_) {
        const int error = errno;
        ::kill(pid_, SIGKILL);
        reap(0);
        throw std::system_error(error, std::generic_category(), "pidfd_open");
    }
}

ChildProcess::~ChildProcess() {
    if (!status_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        reap(0);
    }
}

std::optional<int> ChildProcess::reap(int options) {
    if (status_) {
        return status_;
    }
    int status = 0;
    pid_t result = 0;
    do {
        result = ::waitpid(pid_, &status, options);
    } while (result < 0 && errno == EINTR);
    if (result == pid_) {
        status_ = exitStatusOf(status);
    }
    return status_;
}

std::optional<int> ChildProcess::poll() {
    return reap(WNOHANG);
}

std::optional<int> ChildProcess::wait(milliseconds timeout) {
    if (status_) {
        return status_;
    }
    const Deadline deadline(timeout);
    while (pollFd(pidfd_.get(), POLLIN, deadline) != 0) {
        if (const auto status = reap(WNOHANG)) {
            return status;
        }
    }
    return reap(WNOHANG);
}

std::optional<int> ChildProcess::stop(int signal, milliseconds timeout) {
    if (status_) {
        return status_;
    }
    ::kill(pid_, signal);
    if (const auto status = wait(timeout)) {
        return status;
    }
    ::kill(pid_, SIGKILL);
    reap(0);
    return std::nullopt;
}

} // namespace fwx::test
