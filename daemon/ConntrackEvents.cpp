#include "daemon/ConntrackEvents.hpp"

#include "daemon/Log.hpp"
#include "error/Error.hpp"

#include <exception>

namespace fwx::daemon {

namespace {

EventSource watch(EventLoop& loop, int fd, sd_event_io_handler_t handler, void* self,
                  const char* what) {
    sd_event_source* source = nullptr;
    const int r = sd_event_add_io(loop.get(), &source, fd, EPOLLIN, handler, self);
    if (r < 0) {
        throwSystemError(std::string("watching the conntrack ") + what + " socket", -r);
    }
    return EventSource(source);
}

// A failure to read events is logged, not fatal: the next ENOBUFS (or the next event)
// brings the daemon back in step, and the loop must keep serving the bus.
template <typename Receive> int receiving(Receive&& receive, const char* what) {
    try {
        receive();
    } catch (const std::exception& e) {
        log::error(log::Event::KernelFailure, {}, "reading conntrack {} events: {}", what,
                   e.what());
    }
    return 0;
}

} // namespace

ConntrackEvents::ConntrackEvents(EventLoop& loop, conntrack::Listener& listener,
                                 SessionObjects& sessions)
    : listener_(listener)
    , sessions_(sessions)
    , flowSource_(watch(loop, listener.flowFd(), onFlowSocket, this, "event"))
    , expectationSource_(
          watch(loop, listener.expectationFd(), onExpectationSocket, this, "expectation")) {
    sessions_.resync(listener_.snapshot());
}

int ConntrackEvents::onFlowSocket(sd_event_source* /*source*/, int /*fd*/,
                                  std::uint32_t /*revents*/, void* self) {
    auto& events = *static_cast<ConntrackEvents*>(self);
    return receiving([&] { events.listener_.receiveFlows(events.sessions_); }, "connection");
}

int ConntrackEvents::onExpectationSocket(sd_event_source* /*source*/, int /*fd*/,
                                         std::uint32_t /*revents*/, void* self) {
    auto& events = *static_cast<ConntrackEvents*>(self);
    return receiving([&] { events.listener_.receiveExpectations(events.sessions_); },
                     "expectation");
}

} // namespace fwx::daemon
