#include "Command.hpp"

#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace fwx::net::test {

namespace {

std::optional<std::string> findProgram(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::string directories = path != nullptr ? path : "";
    directories += ":/usr/sbin:/sbin:/usr/bin:/bin";
    std::string_view rest = directories;
    while (!rest.empty()) {
        const auto colon = rest.find(':');
        const std::string_view directory = rest.substr(0, colon);
        rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
        if (directory.empty()) {
            continue;
        }
        std::string candidate = std::string(directory) + "/" + name;
        if (access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
    }
    return std::nullopt;
}

std::string commandLine(const std::vector<std::string>& argv) {
    std::string line;
    for (const auto& arg : argv) {
        line += (line.empty() ? "" : " ") + arg;
    }
    return "`" + line + "`";
}

std::string describeStatus(int status) {
    if (WIFEXITED(status)) {
        return "exited with status " + std::to_string(WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        return std::string("was killed by signal ") + strsignal(WTERMSIG(status));
    }
    return "ended with wait status " + std::to_string(status);
}

} // namespace

::testing::AssertionResult runCommand(const std::vector<std::string>& argv) {
    if (argv.empty()) {
        return ::testing::AssertionFailure() << "no command given";
    }
    const auto program = findProgram(argv.front());
    if (!program) {
        return ::testing::AssertionFailure()
               << commandLine(argv) << ": " << argv.front() << " not found in PATH";
    }
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& arg : argv) {
        args.push_back(const_cast<char*>(arg.c_str())); // posix_spawn's signature, not a write
    }
    args.push_back(nullptr);
    pid_t pid = 0;
    if (const int error =
            posix_spawn(&pid, program->c_str(), nullptr, nullptr, args.data(), environ);
        error != 0) {
        return ::testing::AssertionFailure()
               << commandLine(argv) << ": posix_spawn failed: " << std::strerror(error);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return ::testing::AssertionFailure()
                   << commandLine(argv) << ": waitpid failed: " << std::strerror(errno);
        }
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return ::testing::AssertionFailure() << commandLine(argv) << " " << describeStatus(status);
    }
    return ::testing::AssertionSuccess();
}

} // namespace fwx::net::test
