#include "cli/Bus.hpp"

#include "cli/Failure.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <limits>

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace fwx::cli {

std::unique_ptr<sdbus::IConnection> connectBus(const std::string& bus) {
    try {
        if (bus == "system") {
            return sdbus::createSystemBusConnection();
        }
        if (bus == "session") {
            return sdbus::createSessionBusConnection();
        }
        return sdbus::createSessionBusConnectionWithAddress(bus);
    } catch (const sdbus::Error& e) {
        throw Failure(e.getName(), "cannot connect to the bus \"" + bus + "\": " + e.getMessage(),
                      ExitCode::Unavailable);
    }
}

namespace {

[[noreturn]] void systemFailure(const std::string& what) {
    throw Failure("org.freedesktop.DBus.Error.Failed", what + ": " + std::strerror(errno));
}

sigset_t terminationSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

constexpr std::uint64_t Never = std::numeric_limits<std::uint64_t>::max();

// CLOCK_MONOTONIC in µs, the clock of sd-bus's poll data.
std::uint64_t monotonicUsec() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1000000U +
           static_cast<std::uint64_t>(now.tv_nsec) / 1000U;
}

// Milliseconds from now until an absolute CLOCK_MONOTONIC time in µs; -1 = no timeout.
int pollTimeout(std::uint64_t deadlineUsec) {
    if (deadlineUsec == Never) {
        return -1;
    }
    const std::uint64_t nowUsec = monotonicUsec();
    if (deadlineUsec <= nowUsec) {
        return 0;
    }
    const std::uint64_t ms = (deadlineUsec - nowUsec + 999U) / 1000U;
    return ms > static_cast<std::uint64_t>(std::numeric_limits<int>::max())
               ? std::numeric_limits<int>::max()
               : static_cast<int>(ms);
}

} // namespace

BusLoop::BusLoop(sdbus::IConnection& connection)
    : connection_(connection) {
    const sigset_t set = terminationSignals();
    if (sigprocmask(SIG_BLOCK, &set, nullptr) < 0) {
        systemFailure("blocking SIGINT and SIGTERM");
    }
    signalFd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signalFd_ < 0) {
        systemFailure("signalfd");
    }
}

BusLoop::~BusLoop() {
    close(signalFd_);
    const sigset_t set = terminationSignals();
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
}

void BusLoop::drain() {
    while (!stopped_ && connection_.processPendingRequest()) {
    }
}

// A synchronous call made by a handler may read messages into sd-bus's queue, where the fd
// no longer shows them: hence drain() before every poll, and the poll data's timeout, which
// is 0 while messages are queued.
BusLoop::End BusLoop::run(std::optional<std::chrono::milliseconds> limit) {
    stopped_ = false;
    const std::uint64_t end =
        limit ? monotonicUsec() + static_cast<std::uint64_t>(limit->count()) * 1000U : Never;
    for (;;) {
        drain();
        if (stopped_) {
            return End::Stopped;
        }
        if (end != Never && monotonicUsec() >= end) {
            return End::TimedOut;
        }
        const auto data = connection_.getEventLoopPollData();
        std::array<pollfd, 2> fds{{{data.fd, data.events, 0}, {signalFd_, POLLIN, 0}}};
        if (poll(fds.data(), fds.size(), pollTimeout(std::min(data.timeout_usec, end))) < 0) {
            if (errno == EINTR) {
                continue;
            }
            systemFailure("poll");
        }
        if ((fds[1].revents & POLLIN) != 0) {
            signalfd_siginfo info{};
            if (read(signalFd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
                return End::Signal;
            }
        }
    }
}

} // namespace fwx::cli
