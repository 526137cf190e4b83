#include "BusDaemon.hpp"

#include "lab/Deadline.hpp"
#include "lab/UniqueFd.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef DBUS_DAEMON_PATH
#error "DBUS_DAEMON_PATH must name dbus-daemon (set by meson)"
#endif

namespace fwx::test {

namespace {

constexpr milliseconds StartTimeout{20'000};

std::string makeDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "fwxd-bus-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    }
    // Another uid must reach the socket inside.
    std::filesystem::permissions(
        pattern, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                     std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                     std::filesystem::perms::others_exec);
    return pattern;
}

void writeConfig(const std::string& file, const std::string& socket) {
    std::ofstream out(file);
    out << R"(<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=)"
        << socket << R"(</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
)";
    if (!out.flush()) {
        throw std::runtime_error("cannot write " + file);
    }
}

// Reads the address dbus-daemon prints once it listens.
std::string readAddress(int fd, ChildProcess& process, const std::string& log) {
    const Deadline deadline(StartTimeout);
    std::string text;
    while (text.find('\n') == std::string::npos) {
        if (pollFd(fd, POLLIN, deadline) == 0) {
            throw std::runtime_error("dbus-daemon did not start in time; see " + log);
        }
        std::array<char, 256> buffer{};
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            const auto status = process.wait(milliseconds{1000});
            throw std::runtime_error("dbus-daemon exited (status " +
                                     (status ? std::to_string(*status) : "?") + "); see " + log);
        }
        text.append(buffer.data(), static_cast<std::size_t>(n));
    }
    return text.substr(0, text.find('\n'));
}

} // namespace

BusDaemon::BusDaemon()
    : directory_(makeDirectory()) {
    const std::string socket = directory_ + "/bus";
    const std::string config = directory_ + "/bus.conf";
    writeConfig(config, socket);
    std::array<int, 2> pipe{};
    if (::pipe2(pipe.data(), O_CLOEXEC) != 0) {
        throw std::system_error(errno, std::generic_category(), "pipe2");
    }
    const UniqueFd readEnd(pipe[0]);
    UniqueFd writeEnd(pipe[1]);
    ChildOptions options;
    options.outputFile = directory_ + "/dbus-daemon.log";
    options.fd3 = writeEnd.get();
    options.umask = 0; // the socket must be connectable by every uid
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{DBUS_DAEMON_PATH, "--config-file=" + config, "--nofork",
                                 "--nopidfile", "--print-address=3"},
        options);
    writeEnd.reset();
    readAddress(readEnd.get(), *process_, options.outputFile);
    address_ = "unix:path=" + socket;
}

void BusDaemon::kill() {
    process_->stop(SIGKILL, milliseconds{5000});
}

BusDaemon::~BusDaemon() {
    process_->stop(SIGTERM, milliseconds{5000});
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
}

} // namespace fwx::test
