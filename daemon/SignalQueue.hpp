#pragma once

#include "daemon/EventLoop.hpp"
#include "daemon/EventSource.hpp"
#include "daemon/SdBus.hpp"

#include <cstddef>
#include <deque>

namespace fwx::daemon {

// Signals on their way to the bus, in the order they were sent, without a long sd-bus
// write queue. sd-bus takes each written message off the front of its queue by moving
// the rest of it (a memmove), so a burst queued there at once, such as the Expired of a
// 100,000-action session's Close, costs time quadratic in its size: seconds. Past
// Backlog messages in sd-bus's queue, signals wait here and go out as sd-bus writes the
// ones before them, from a post event source (it runs after the bus's I/O was handled).
class SignalQueue {
public:
    // How many messages sd-bus may hold unwritten before signals wait here.
    static constexpr std::uint64_t Backlog = 256;

    // Throws fwx::Error(Failed) if the event source cannot be made.
    SignalQueue(EventLoop& loop, sd_bus* bus);
    // Hands whatever still waits to sd-bus, whose connection flushes it when closed.
    ~SignalQueue();
    SignalQueue(const SignalQueue&) = delete;
    SignalQueue& operator=(const SignalQueue&) = delete;

    // Throws fwx::Error(Failed) if sd-bus refuses the signal.
    void send(BusMessage signal);

    std::size_t waiting() const noexcept { return waiting_.size(); }

private:
    static int onPost(sd_event_source* source, void* self);
    bool busHasRoom() const;
    void drain();

    sd_bus* bus_;
    std::deque<BusMessage> waiting_;
    std::size_t longest_ = 0; // waiting_'s size at most since it was last empty
    EventSource post_;
};

} // namespace fwx::daemon
