#include "daemon/SignalQueue.hpp"

#include "daemon/Log.hpp"
#include "error/Error.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include <malloc.h>

namespace fwx::daemon {

namespace {

void check(int r, const char* what) {
    if (r < 0) {
        throwSystemError(what, -r);
    }
}

} // namespace

SignalQueue::SignalQueue(EventLoop& loop, sd_bus* bus)
    : bus_(bus) {
    sd_event_source* post = nullptr;
    check(sd_event_add_post(loop.get(), &post, onPost, this), "adding the signal queue's source");
    post_ = EventSource(post);
    check(sd_event_source_set_enabled(post, SD_EVENT_OFF), "pausing the signal queue's source");
}

SignalQueue::~SignalQueue() {
    for (BusMessage& signal : waiting_) {
        sd_bus_send(bus_, signal.get(), nullptr);
    }
}

void SignalQueue::send(BusMessage signal) {
    if (waiting_.empty() && busHasRoom()) {
        check(sd_bus_send(bus_, signal.get(), nullptr), "sending a D-Bus signal");
        return;
    }
    if (waiting_.empty()) {
        check(sd_event_source_set_enabled(post_.get(), SD_EVENT_ON),
              "starting the signal queue's source");
    }
    waiting_.push_back(std::move(signal));
    longest_ = std::max(longest_, waiting_.size());
}

bool SignalQueue::busHasRoom() const {
    std::uint64_t queued = 0;
    check(sd_bus_get_n_queued_write(bus_, &queued), "reading sd-bus's write queue");
    return queued < Backlog;
}

void SignalQueue::drain() {
    while (!waiting_.empty() && busHasRoom()) {
        check(sd_bus_send(bus_, waiting_.front().get(), nullptr), "sending a D-Bus signal");
        waiting_.pop_front();
    }
    if (waiting_.empty()) {
        check(sd_event_source_set_enabled(post_.get(), SD_EVENT_OFF),
              "pausing the signal queue's source");
        // The burst's messages are freed; glibc keeps their memory unless asked.
        constexpr std::size_t LargeBurst = 10'000;
        if (std::exchange(longest_, 0) >= LargeBurst) {
            ::malloc_trim(0);
        }
    }
}

int SignalQueue::onPost(sd_event_source* /*source*/, void* self) {
    try {
        static_cast<SignalQueue*>(self)->drain();
    } catch (const std::exception& e) {
        // The bus connection is failing; what waits is dropped with it.
        log::error(log::Event::InternalError, {}, "sending queued D-Bus signals: {}", e.what());
        auto* queue = static_cast<SignalQueue*>(self);
        queue->waiting_.clear();
        sd_event_source_set_enabled(queue->post_.get(), SD_EVENT_OFF);
    }
    return 0;
}

} // namespace fwx::daemon
