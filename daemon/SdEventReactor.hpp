#pragma once

#include "daemon/EventLoop.hpp"
#include "relay/Reactor.hpp"

#include <chrono>
#include <functional>
#include <memory>

namespace fwx::daemon {

// relay::Reactor on the daemon's sd-event loop: io sources (level-triggered, disabled while
// they want nothing) and CLOCK_MONOTONIC one-shot time sources. A callback may destroy its
// own watch or timer: it runs on a copy, and sd-event never dispatches a source that was
// disabled, also not one it had already found pending in the same iteration.
class SdEventReactor final : public relay::Reactor {
public:
    explicit SdEventReactor(EventLoop& loop)
        : loop_(loop) {}

    // Throw fwx::Error(Failed) with sd-event's errno.
    std::unique_ptr<Watch> watch(int fd, IoCallback onReady) override;
    std::unique_ptr<Timer> timer(std::function<void()> onExpiry) override;
    std::chrono::steady_clock::time_point now() const override;

private:
    EventLoop& loop_;
};

} // namespace fwx::daemon
