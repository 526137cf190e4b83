// The unit tests' relay::Reactor: a plain epoll loop, with timers kept in a map and
// honoured through epoll_wait's timeout. Follows the Reactor contract the daemon's
// sd-event implementation follows: level-triggered, a watch that wants nothing is not in
// the epoll set, and callbacks may destroy any watch or timer, their own included.
#pragma once

#include "relay/Reactor.hpp"
#include "relay/UniqueFd.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>

namespace fwx::relay::test {

class EpollReactor final : public Reactor {
public:
    EpollReactor();

    std::unique_ptr<Watch> watch(int fd, IoCallback onReady) override;
    std::unique_ptr<Timer> timer(std::function<void()> onExpiry) override;
    std::chrono::steady_clock::time_point now() const override {
        return std::chrono::steady_clock::now();
    }

    // Runs the loop until done() holds or limit has passed; returns done().
    bool runUntil(const std::function<bool()>& done,
                  std::chrono::milliseconds limit = std::chrono::seconds(30));
    void runFor(std::chrono::milliseconds duration);

private:
    class EpollWatch;
    class EpollTimer;
    using TimePoint = std::chrono::steady_clock::time_point;

    struct WatchEntry {
        int fd = -1;
        IoEvents wanted;
        // Shared, so that a callback that destroys its own watch keeps running on a copy.
        std::shared_ptr<IoCallback> onReady;
    };
    struct TimerEntry {
        std::optional<TimePoint> when;
        std::shared_ptr<std::function<void()>> onExpiry;
    };

    void runOnce(std::chrono::milliseconds longest);
    void dispatchTimers();
    void want(std::uint64_t id, IoEvents events);
    void forgetWatch(std::uint64_t id);

    UniqueFd epoll_;
    std::uint64_t nextId_ = 1;
    std::map<std::uint64_t, WatchEntry> watches_;
    std::map<std::uint64_t, TimerEntry> timers_;
};

} // namespace fwx::relay::test
