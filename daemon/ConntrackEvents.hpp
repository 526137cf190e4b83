#pragma once

#include "conntrack/Listener.hpp"
#include "daemon/EventLoop.hpp"
#include "daemon/EventSource.hpp"
#include "daemon/SessionObjects.hpp"

#include <cstdint>

namespace fwx::daemon {

// Puts the conntrack listener's sockets on the event loop and hands what they report to
// the sessions: kernel events flow back through here, the other way from requests.
class ConntrackEvents {
public:
    // Seeds the sessions with one dump of both tables first, so that they know the
    // connections that existed before fwxd listened. Throws fwx::Error(Failed).
    ConntrackEvents(EventLoop& loop, conntrack::Listener& listener, SessionObjects& sessions);
    ConntrackEvents(const ConntrackEvents&) = delete;
    ConntrackEvents& operator=(const ConntrackEvents&) = delete;

    // How often lost events forced a resynchronisation (Firewall1.EventResyncs).
    std::uint64_t resyncs() const noexcept { return listener_.resyncs(); }

private:
    static int onFlowSocket(sd_event_source* source, int fd, std::uint32_t revents, void* self);
    static int onExpectationSocket(sd_event_source* source, int fd, std::uint32_t revents,
                                   void* self);

    conntrack::Listener& listener_;
    SessionObjects& sessions_;
    EventSource flowSource_;
    EventSource expectationSource_;
};

} // namespace fwx::daemon
