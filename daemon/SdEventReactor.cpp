#include "daemon/SdEventReactor.hpp"

#include "daemon/EventSource.hpp"
#include "error/Error.hpp"

#include <cstdint>
#include <ctime>
#include <utility>

#include <sys/epoll.h>

namespace fwx::daemon {

namespace {

class IoWatch final : public relay::Reactor::Watch {
public:
    IoWatch(EventLoop& loop, int fd, relay::Reactor::IoCallback onReady)
        : onReady_(std::move(onReady)) {
        sd_event_source* source = nullptr;
        const int r = sd_event_add_io(loop.get(), &source, fd, EPOLLIN, &IoWatch::dispatch, this);
        if (r < 0) {
            throwSystemError("watching a relay socket", -r);
        }
        source_ = EventSource(source);
        sd_event_source_set_enabled(source, SD_EVENT_OFF);
    }

    void want(relay::IoEvents events) override {
        sd_event_source* source = source_.get();
        if (!events.any()) {
            sd_event_source_set_enabled(source, SD_EVENT_OFF);
            return;
        }
        const std::uint32_t mask = (events.readable ? std::uint32_t{EPOLLIN} : 0U) |
                                   (events.writable ? std::uint32_t{EPOLLOUT} : 0U);
        // Both can only fail for a source of another kind or without memory.
        sd_event_source_set_io_events(source, mask);
        sd_event_source_set_enabled(source, SD_EVENT_ON);
    }

private:
    static int dispatch(sd_event_source* /*source*/, int /*fd*/, std::uint32_t revents,
                        void* self) noexcept {
        const bool broken = (revents & (EPOLLERR | EPOLLHUP)) != 0;
        const relay::IoEvents ready{.readable = (revents & EPOLLIN) != 0 || broken,
                                    .writable = (revents & EPOLLOUT) != 0 || broken};
        // A copy: the callback may destroy this watch.
        const relay::Reactor::IoCallback onReady = static_cast<IoWatch*>(self)->onReady_;
        EventLoop::guarded("relaying", [&] { onReady(ready); });
        return 0;
    }

    relay::Reactor::IoCallback onReady_;
    EventSource source_;
};

class OneShotTimer final : public relay::Reactor::Timer {
public:
    OneShotTimer(EventLoop& loop, std::function<void()> onExpiry)
        : onExpiry_(std::move(onExpiry)) {
        sd_event_source* source = nullptr;
        const int r = sd_event_add_time(loop.get(), &source, CLOCK_MONOTONIC, UINT64_MAX, 0,
                                        &OneShotTimer::dispatch, this);
        if (r < 0) {
            throwSystemError("adding a relay timer to the event loop", -r);
        }
        source_ = EventSource(source);
        sd_event_source_set_enabled(source, SD_EVENT_OFF);
    }

    void arm(std::optional<std::chrono::steady_clock::time_point> when) override {
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

private:
    static int dispatch(sd_event_source* /*source*/, std::uint64_t /*usec*/, void* self) noexcept {
        const std::function<void()> onExpiry = static_cast<OneShotTimer*>(self)->onExpiry_;
        EventLoop::guarded("a relay timer", onExpiry);
        return 0;
    }

    std::function<void()> onExpiry_;
    EventSource source_;
};

} // namespace

std::unique_ptr<relay::Reactor::Watch> SdEventReactor::watch(int fd, IoCallback onReady) {
    return std::make_unique<IoWatch>(loop_, fd, std::move(onReady));
}

std::unique_ptr<relay::Reactor::Timer> SdEventReactor::timer(std::function<void()> onExpiry) {
    return std::make_unique<OneShotTimer>(loop_, std::move(onExpiry));
}

std::chrono::steady_clock::time_point SdEventReactor::now() const {
    std::uint64_t usec = 0;
    if (sd_event_now(loop_.get(), CLOCK_MONOTONIC, &usec) < 0) {
        return std::chrono::steady_clock::now(); // the loop has not run yet
    }
    return std::chrono::steady_clock::time_point(std::chrono::microseconds(usec));
}

} // namespace fwx::daemon
