#pragma once

#include "daemon/EventLoop.hpp"
#include "daemon/EventSource.hpp"

#include <functional>
#include <string>
#include <utility>

#include <sdbus-c++/IConnection.h>
#include <systemd/sd-bus.h>

namespace fwx::daemon {

// Drives an sdbus-c++ connection from the sd-event loop: sdbus-c++ 1.2 cannot attach to
// one itself and does not expose its sd_bus. An io source watches the bus fd and a
// CLOCK_MONOTONIC timer follows the connection's next timeout; both are refreshed by a
// prepare callback before every poll. The prepare step is what makes this correct: a
// synchronous call (e.g. asking the bus for a caller's credentials) can read pending
// messages off the socket into sd-bus's queue, after which the fd alone would never wake
// the loop — sd-bus then reports a timeout of 0 and the timer fires at once.
//
// When the connection is gone (the bus daemon died or dropped us), onLost is called once,
// with what sd-bus said, and the dispatcher stops watching it.
class BusDispatcher {
public:
    using LostHandler = std::function<void(const std::string& why)>;

    // connection must outlive the dispatcher. Throws fwx::Error(Failed).
    BusDispatcher(EventLoop& loop, sdbus::IConnection& connection, LostHandler onLost);
    BusDispatcher(const BusDispatcher&) = delete;
    BusDispatcher& operator=(const BusDispatcher&) = delete;

    // work runs after each dispatched message, before the next one: what a handler may not
    // do inside its own call (destroy its object) is done before any later call can see
    // the object half gone. The dispatcher drains all queued messages in one go, so
    // deferring to the event loop would be too late for the messages queued behind it.
    void afterEachMessage(std::function<void()> work) { afterEachMessage_ = std::move(work); }

private:
    static int onIo(sd_event_source* source, int fd, std::uint32_t revents, void* self);
    static int onTimer(sd_event_source* source, std::uint64_t usec, void* self);
    static int onPrepare(sd_event_source* source, void* self);
    int dispatch() noexcept;
    int refresh() noexcept;
    // True, after telling onLost_ once, if the connection is closed.
    bool lost(const std::string& why) noexcept;

    sdbus::IConnection& connection_;
    sd_bus* bus_;
    LostHandler onLost_;
    std::function<void()> afterEachMessage_;
    bool lost_ = false;
    EventSource io_;
    EventSource timer_;
};

} // namespace fwx::daemon
