// fwx::test::Deadline: a point on the monotonic clock that every lab wait is bounded by.
#pragma once

#include <chrono>

namespace fwx::test {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The lab never sleeps for a fixed time: it waits for an event with poll() and gives up
// at a deadline, so a test takes as long as the kernel needs and no longer.
class Deadline {
public:
    explicit Deadline(milliseconds timeout)
        : end_(Clock::now() + timeout) {}

    Clock::time_point end() const noexcept { return end_; }
    bool expired() const noexcept { return Clock::now() >= end_; }
    // The time left, rounded up to whole milliseconds, for poll(); 0 once expired.
    int pollTimeout() const noexcept;

private:
    Clock::time_point end_;
};

// Waits until fd reports one of events, or the deadline passes. Returns poll()'s revents,
// 0 on timeout. Restarts after EINTR; throws std::system_error if poll() fails.
short pollFd(int fd, short events, const Deadline& deadline);

} // namespace fwx::test
