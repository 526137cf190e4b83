#pragma once

#include <chrono>

namespace fwx::redirect {

// Where the domain reads the time: deadlines run on the monotonic clock (the daemon's
// timers use CLOCK_MONOTONIC too), while what clients are told (ExpiresAt) is wall-clock
// time. Real: SystemClock. Fake: tests/unit/fakes/FakeClock.
class Clock {
public:
    virtual ~Clock() = default;
    virtual std::chrono::steady_clock::time_point steadyNow() const = 0;
    virtual std::chrono::system_clock::time_point realtimeNow() const = 0;
};

class SystemClock final : public Clock {
public:
    std::chrono::steady_clock::time_point steadyNow() const override {
        return std::chrono::steady_clock::now();
    }
    std::chrono::system_clock::time_point realtimeNow() const override {
        return std::chrono::system_clock::now();
    }
};

} // namespace fwx::redirect
