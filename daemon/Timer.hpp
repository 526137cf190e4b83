#pragma once

#include "daemon/EventLoop.hpp"
#include "daemon/EventSource.hpp"

#include <chrono>
#include <functional>
#include <optional>

namespace fwx::daemon {

// One CLOCK_MONOTONIC deadline on the event loop (std::chrono::steady_clock is the same
// clock on Linux), re-armed by its owner whenever the earliest deadline changes.
class Timer {
public:
    // Throws fwx::Error(Failed).
    Timer(EventLoop& loop, std::function<void()> onExpiry);
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;

    // Fires once at when (at once if it has passed); none disarms.
    void arm(std::optional<std::chrono::steady_clock::time_point> when);

private:
    static int dispatch(sd_event_source* source, std::uint64_t usec, void* self) noexcept;

    std::function<void()> onExpiry_;
    EventSource source_;
};

} // namespace fwx::daemon
