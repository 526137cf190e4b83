// daemon/: fwxd — the event loop, the D-Bus adaptors and main().
//
// Lives here: the sd-event loop (EventLoop, EventSource), the dispatcher that drives the
// sdbus-c++ connection from it (BusDispatcher), and, as they arrive, one adaptor per D-Bus
// object that turns calls into redirect::Service requests. Depends on lib/ (libfwx),
// libsystemd and sdbus-c++; lib/ never depends on anything here.
#pragma once

#include <memory>

#include <systemd/sd-event.h>

namespace fwx::daemon {

// An sd-event source owned by its creator: disabled and released on destruction.
class EventSource {
public:
    EventSource() = default;
    // Takes over the reference sd_event_add_*() returned.
    explicit EventSource(sd_event_source* source)
        : source_(source) {}

    sd_event_source* get() const noexcept { return source_.get(); }

private:
    struct Release {
        void operator()(sd_event_source* source) const noexcept {
            sd_event_source_disable_unref(source);
        }
    };
    std::unique_ptr<sd_event_source, Release> source_;
};

} // namespace fwx::daemon
