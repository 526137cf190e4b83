#include "daemon/EventLoop.hpp"

#include "daemon/Log.hpp"
#include "error/Error.hpp"

#include <csignal>
#include <exception>
#include <string>
#include <utility>

namespace fwx::daemon {

namespace {
sd_event* newEvent() {
    sd_event* event = nullptr;
    if (const int r = sd_event_new(&event); r < 0) {
        throwSystemError("creating the sd-event loop", -r);
    }
    return event;
}
} // namespace

// Under systemd's WatchdogSec= (WATCHDOG_USEC in the environment), sd-event sends
// WATCHDOG=1 from its own iterations: a loop that hangs stops sending, and systemd
// restarts fwxd. Without it this does nothing.
EventLoop::EventLoop()
    : event_(newEvent()) {
    if (const int r = sd_event_set_watchdog(event_.get(), 1); r < 0) {
        throwSystemError("setting up the systemd watchdog", -r);
    }
}

int EventLoop::run() {
    const int r = sd_event_loop(event_.get());
    if (r < 0) {
        throwSystemError("running the event loop", -r);
    }
    return r;
}

void EventLoop::exit(int code) {
    sd_event_exit(event_.get(), code);
}

void EventLoop::guarded(const char* what, const std::function<void()>& handler) noexcept {
    try {
        handler();
    } catch (const std::exception& e) {
        log::error(log::Event::InternalError, {}, "{}: {}", what, e.what());
    } catch (...) {
        log::error(log::Event::InternalError, {}, "{}: an unknown exception", what);
    }
}

int EventLoop::dispatchSignal(sd_event_source* /*source*/, const signalfd_siginfo* /*info*/,
                              void* userdata) noexcept {
    guarded("handling a signal", *static_cast<std::function<void()>*>(userdata));
    return 0;
}

void EventLoop::onSignal(int signal, std::function<void()> handler) {
    auto owned = std::make_unique<std::function<void()>>(std::move(handler));
    sd_event_source* source = nullptr;
    const int r = sd_event_add_signal(event_.get(), &source, signal | SD_EVENT_SIGNAL_PROCMASK,
                                      dispatchSignal, owned.get());
    if (r < 0) {
        throwSystemError("handling signal " + std::to_string(signal), -r);
    }
    sources_.emplace_back(source);
    signalHandlers_.push_back(std::move(owned));
}

// One defer source serves every deferred call: it is enabled while work is queued.
void EventLoop::defer(std::function<void()> work) {
    if (!deferSource_.get()) {
        sd_event_source* source = nullptr;
        if (const int r = sd_event_add_defer(event_.get(), &source, dispatchDeferred, this);
            r < 0) {
            throwSystemError("adding a deferred event source", -r);
        }
        deferSource_ = EventSource(source);
    }
    deferred_.push_back(std::move(work));
    sd_event_source_set_enabled(deferSource_.get(), SD_EVENT_ON);
}

int EventLoop::dispatchDeferred(sd_event_source* source, void* userdata) noexcept {
    auto& loop = *static_cast<EventLoop*>(userdata);
    sd_event_source_set_enabled(source, SD_EVENT_OFF);
    // Work may defer more work: take the queue first. One failing item does not keep the
    // others from running.
    const std::vector<std::function<void()>> work = std::exchange(loop.deferred_, {});
    for (const auto& item : work) {
        guarded("deferred work", item);
    }
    return 0;
}

} // namespace fwx::daemon
