#pragma once

#include <chrono>
#include <compare>
#include <functional>
#include <memory>
#include <optional>

namespace fwx::relay {

// What a watched descriptor is wanted for, or what the loop found it ready for.
struct IoEvents {
    bool readable = false;
    bool writable = false;

    bool any() const noexcept { return readable || writable; }
    auto operator<=>(const IoEvents&) const = default;
};

// The event loop the relays run on, as small as they need it: level-triggered readiness of
// descriptors, one-shot monotonic timers and the loop's clock. The daemon implements it
// over sd-event (io sources, CLOCK_MONOTONIC time sources, sd_event_now); the unit tests
// over a plain epoll loop. Everything runs on the loop's one thread.
//
// Reentrancy, which both implementations must honour: a callback may create, change and
// destroy any Watch or Timer, its own included (sd-event allows unref'ing a source from its
// own callback); a destroyed one is never called again, also not for readiness the loop
// already collected in the same iteration.
class Reactor {
public:
    // A descriptor on the loop. It starts wanting nothing; while it wants nothing it is
    // not watched at all (no EPOLLERR/EPOLLHUP either: the io source is disabled), so the
    // owner may close the descriptor. Destroying the Watch stops watching.
    class Watch {
    public:
        virtual ~Watch() = default;
        // Level-triggered: the callback runs on every loop iteration in which the
        // descriptor is ready for something wanted. Cheap when nothing changes.
        virtual void want(IoEvents events) = 0;
    };

    // A one-shot deadline on the monotonic clock (std::chrono::steady_clock).
    class Timer {
    public:
        virtual ~Timer() = default;
        // Fires once at when, on the next iteration if it has passed; none disarms.
        virtual void arm(std::optional<std::chrono::steady_clock::time_point> when) = 0;
    };

    using IoCallback = std::function<void(IoEvents ready)>;

    virtual ~Reactor() = default;

    // onReady gets what fd was found ready for: EPOLLIN is readable, EPOLLOUT writable,
    // and EPOLLERR or EPOLLHUP both, so that the next read or write reports the error or
    // the end. Throws fwx::Error(Failed) if the loop cannot take the descriptor.
    virtual std::unique_ptr<Watch> watch(int fd, IoCallback onReady) = 0;
    // Throws fwx::Error(Failed).
    virtual std::unique_ptr<Timer> timer(std::function<void()> onExpiry) = 0;
    // The loop's idea of now: the time of the current iteration is good enough.
    virtual std::chrono::steady_clock::time_point now() const = 0;
};

} // namespace fwx::relay
