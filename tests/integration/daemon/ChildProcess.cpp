#include "ChildProcess.hpp"

#include <cerrno>
#include <csignal>
#include <system_error>

#include <fcntl.h>
#include <poll.h>
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

// Runs in the forked child of a multi-threaded process: async-signal-safe calls only.
[[noreturn]] void execChild(const std::vector<char*>& argv, int output, int fd3, mode_t mask) {
    const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || ::dup2(null, STDIN_FILENO) < 0) {
        ::_exit(127);
    }
    if (output >= 0 && (::dup2(output, STDOUT_FILENO) < 0 || ::dup2(output, STDERR_FILENO) < 0)) {
        ::_exit(127);
    }
    if (fd3 >= 0 && ::dup2(fd3, 3) < 0) {
        ::_exit(127);
    }
    ::umask(mask);
    ::execv(argv[0], argv.data());
    ::_exit(127);
}

} // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const ChildOptions& options) {
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const std::string& arg : argv) {
        args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);
    UniqueFd output(::open(options.outputFile.empty() ? "/dev/null" : options.outputFile.c_str(),
                           O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!output) {
        throw std::system_error(errno, std::generic_category(), "open " + options.outputFile);
    }
    pid_ = ::fork();
    if (pid_ < 0) {
        throw std::system_error(errno, std::generic_category(), "fork");
    }
    if (pid_ == 0) {
        execChild(args, output.get(), options.fd3, options.umask);
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
