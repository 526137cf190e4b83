#include "lab/Netns.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

namespace fwx::test {

namespace {

constexpr std::string_view namePrefix = "fwxd-";
constexpr const char* netnsDir = "/run/netns/";

UniqueFd openOrThrow(const std::string& path, int flags) {
    UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
    if (!fd) {
        throw std::system_error(errno, std::generic_category(), "open " + path);
    }
    return fd;
}

std::string uniqueName(std::string_view role) {
    static std::atomic<unsigned> counter{0};
    return std::string(namePrefix) + std::string(role) + "-" + std::to_string(::getpid()) + "-" +
           std::to_string(counter++);
}

// "fwxd-<role>-<pid>-<n>" -> pid, or 0 if the name is not one of ours.
pid_t ownerPid(const std::string& name) {
    if (name.rfind(namePrefix, 0) != 0) {
        return 0;
    }
    const auto last = name.rfind('-');
    if (last == std::string::npos || last == 0) {
        return 0;
    }
    const auto before = name.rfind('-', last - 1);
    if (before == std::string::npos || before < namePrefix.size()) {
        return 0;
    }
    const std::string digits = name.substr(before + 1, last - before - 1);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
        return 0;
    }
    return static_cast<pid_t>(std::stol(digits));
}

} // namespace

NetnsGuard::NetnsGuard(int netnsFd)
    : original_(openOrThrow("/proc/thread-self/ns/net", O_RDONLY)) {
    if (::setns(netnsFd, CLONE_NEWNET) != 0) {
        throw std::system_error(errno, std::generic_category(), "setns into lab namespace");
    }
}

NetnsGuard::~NetnsGuard() {
    if (::setns(original_.get(), CLONE_NEWNET) != 0) {
        std::fprintf(stderr, "fatal: cannot return to the original network namespace: %s\n",
                     std::strerror(errno));
        std::abort();
    }
}

Netns::Netns(std::string_view role)
    : name_(uniqueName(role)) {
    fwx::test::run({"ip", "netns", "add", name_});
    try {
        fd_ = openOrThrow(netnsDir + name_, O_RDONLY);
    } catch (...) {
        destroy();
        throw;
    }
}

Netns::~Netns() {
    destroy();
}

Netns::Netns(Netns&& other) noexcept
    : name_(std::exchange(other.name_, {}))
    , fd_(std::move(other.fd_)) {
}

Netns& Netns::operator=(Netns&& other) noexcept {
    if (this != &other) {
        destroy();
        name_ = std::exchange(other.name_, {});
        fd_ = std::move(other.fd_);
    }
    return *this;
}

void Netns::destroy() noexcept {
    if (name_.empty()) {
        return;
    }
    fd_.reset();
    try {
        fwx::test::run({"ip", "netns", "del", name_});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "warning: %s\n", e.what());
    }
    name_.clear();
}

CommandResult Netns::exec(const std::vector<std::string>& argv,
                          const CommandOptions& options) const {
    std::vector<std::string> full{"ip", "netns", "exec", name_};
    full.insert(full.end(), argv.begin(), argv.end());
    return fwx::test::run(full, options);
}

CommandResult Netns::ip(const std::vector<std::string>& args) const {
    std::vector<std::string> full{"ip", "-n", name_};
    full.insert(full.end(), args.begin(), args.end());
    return fwx::test::run(full);
}

void Netns::removeStale() {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(netnsDir, ec)) {
        const std::string name = entry.path().filename().string();
        const pid_t pid = ownerPid(name);
        // Names with our own pid are stale too: a crashed process that had this pid before
        // us left them, and they would make our `ip netns add` fail.
        const bool stale = pid == ::getpid() || (::kill(pid, 0) != 0 && errno == ESRCH);
        if (pid <= 0 || !stale) {
            continue;
        }
        const auto result = tryRun({"ip", "netns", "del", name});
        if (result.exitStatus != 0) {
            std::fprintf(stderr, "warning: cannot delete stale namespace %s: %s", name.c_str(),
                         result.err.c_str());
        }
    }
}

void writeSysctl(std::string_view path, std::string_view value) {
    const std::string file = "/proc/sys/" + std::string(path);
    const UniqueFd fd = openOrThrow(file, O_WRONLY);
    const ssize_t n = ::write(fd.get(), value.data(), value.size());
    if (n != static_cast<ssize_t>(value.size())) {
        throw std::system_error(n < 0 ? errno : EIO, std::generic_category(),
                                "write " + std::string(value) + " to " + file);
    }
}

} // namespace fwx::test
