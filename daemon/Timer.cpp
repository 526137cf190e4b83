#include "daemon/Timer.hpp"

#include "error/Error.hpp"

#include <cstdint>
#include <ctime>
#include <utility>

namespace fwx::daemon {

Timer::Timer(EventLoop& loop, std::function<void()> onExpiry)
    : onExpiry_(std::move(onExpiry)) {
    sd_event_source* source = nullptr;
    const int r = sd_event_add_time(loop.get(), &source, CLOCK_MONOTONIC, UINT64_MAX, 0,
                                    &Timer::dispatch, this);
    if (r < 0) {
        throwSystemError("adding a timer to the event loop", -r);
    }
    source_ = EventSource(source);
    sd_event_source_set_enabled(source, SD_EVENT_OFF);
}

void Timer::arm(std::optional<std::chrono::steady_clock::time_point> when) {
    sd_event_source* source = source_.get();
    if (!when) {
        sd_event_source_set_enabled(source, SD_EVENT_OFF);
        return;
    }
    const auto usec =
        std::chrono::duration_cast<std::chrono::microseconds>(when->time_since_epoch()).count();
    sd_event_source_set_time(source, static_cast<std::uint64_t>(usec < 1 ? 1 : usec));
    sd_event_source_set_enabled(source, SD_EVENT_ONESHOT);
}

int Timer::dispatch(sd_event_source* /*source*/, std::uint64_t /*usec*/, void* self) noexcept {
    EventLoop::guarded("a timer", static_cast<Timer*>(self)->onExpiry_);
    return 0;
}

} // namespace fwx::daemon
