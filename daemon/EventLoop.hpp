#pragma once

#include "daemon/EventSource.hpp"

#include <functional>
#include <memory>
#include <vector>

#include <systemd/sd-event.h>

namespace fwx::daemon {

// The daemon's one sd-event loop. Everything runs on it: bus dispatch, kernel events,
// timers, signals.
class EventLoop {
public:
    // Throws fwx::Error(Failed) with the errno.
    EventLoop();

    sd_event* get() const noexcept { return event_.get(); }

    // Runs until exit() is called; returns its code. Throws fwx::Error(Failed) if the loop
    // itself fails.
    int run();
    void exit(int code);

    // Calls handler on the loop when signal arrives; the signal is blocked for the process
    // so that it is only ever delivered here.
    void onSignal(int signal, std::function<void()> handler);
    // Calls work once, on the next loop iteration, outside whatever is dispatching now
    // (e.g. to destroy a bus object after its own method handler has returned).
    void defer(std::function<void()> work);

    // Runs handler for a callback from sd-event's C frames, which no exception may unwind
    // through: a failure is logged with what was being done, and the loop goes on.
    static void guarded(const char* what, const std::function<void()>& handler) noexcept;

private:
    struct Unref {
        void operator()(sd_event* event) const noexcept { sd_event_unref(event); }
    };
    static int dispatchDeferred(sd_event_source* source, void* userdata) noexcept;
    static int dispatchSignal(sd_event_source* source, const signalfd_siginfo* info,
                              void* userdata) noexcept;

    std::unique_ptr<sd_event, Unref> event_;
    // Handlers are owned here; their addresses are the sources' userdata, so they must not
    // move: hence unique_ptr.
    std::vector<std::unique_ptr<std::function<void()>>> signalHandlers_;
    std::vector<EventSource> sources_;
    std::vector<std::function<void()>> deferred_;
    EventSource deferSource_;
};

} // namespace fwx::daemon
