#pragma once

#include "redirect/Clock.hpp"

#include <chrono>

namespace fwx::fakes {

// A clock that moves only when told to; both of its clocks move together.
class FakeClock final : public redirect::Clock {
public:
    std::chrono::steady_clock::time_point steadyNow() const override { return steady_; }
    std::chrono::system_clock::time_point realtimeNow() const override { return realtime_; }

    void advance(std::chrono::steady_clock::duration by) {
        steady_ += by;
        realtime_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(by);
    }

private:
    std::chrono::steady_clock::time_point steady_{std::chrono::hours(1)};
    std::chrono::system_clock::time_point realtime_{std::chrono::hours(24 * 365 * 56)};
};

} // namespace fwx::fakes
