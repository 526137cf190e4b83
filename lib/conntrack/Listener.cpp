#include "conntrack/Listener.hpp"

#include "conntrack/EventMessage.hpp"
#include "conntrack/Snapshot.hpp"

#include <utility>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netlink.h>

namespace fwx::conntrack {

namespace {

constexpr unsigned flowGroups =
    NF_NETLINK_CONNTRACK_NEW | NF_NETLINK_CONNTRACK_UPDATE | NF_NETLINK_CONNTRACK_DESTROY;
constexpr unsigned expectationGroups =
    NF_NETLINK_CONNTRACK_EXP_NEW | NF_NETLINK_CONNTRACK_EXP_DESTROY;

EventSocket flowSocket(const ListenerOptions& options, const EventFilter& filter) {
    EventSocket socket(Handle::open(flowGroups), options.receiveBuffer);
    filter.attachTo(socket.fd());
    return socket;
}

} // namespace

Listener::Listener(ListenerOptions options)
    : configured_(options.destinations)
    , filter_(std::move(options.destinations))
    , flows_(flowSocket(options, filter_))
    , expectations_(Handle::openExpect(expectationGroups), options.receiveBuffer)
    , flowQuery_(Handle::open())
    , expectationQuery_(Handle::openExpect()) {
}

void Listener::receiveFlows(Handler& handler) {
    drainOrMarkLost(flows_, [&](const nlmsghdr& message) {
        const auto event = flowEventOf(message);
        if (event && filter_.admits(event->flow)) {
            handler.onFlow(*event);
        }
    });
    resyncAfterOverrun(flows_, handler);
}

void Listener::receiveExpectations(Handler& handler) {
    drainOrMarkLost(expectations_, [&](const nlmsghdr& message) {
        if (const auto event = expectationEventOf(message)) {
            handler.onExpectation(*event);
        }
    });
    resyncAfterOverrun(expectations_, handler);
}

// When the handler throws, the events after the failing one in the same receive are
// gone: that is an overrun of our own making, and the next receive resynchronises.
void Listener::drainOrMarkLost(EventSocket& socket, const EventSocket::MessageFn& onMessage) {
    try {
        socket.drain(onMessage);
    } catch (...) {
        socket.markOverrun();
        throw;
    }
}

void Listener::alsoDestinations(std::vector<net::Address> more) {
    if (configured_.empty()) {
        return;
    }
    more.insert(more.end(), configured_.begin(), configured_.end());
    EventFilter next = EventFilter::lenient(std::move(more));
    if (next.destinations() == filter_.destinations()) {
        return;
    }
    next.attachTo(flows_.fd());
    filter_ = std::move(next);
}

redirect::ConntrackSnapshot Listener::snapshot() {
    return takeSnapshot(flowQuery_, expectationQuery_, filter_);
}

// The overrun is cleared only once the handler has the snapshot: if the dump or the
// handler fails, the next receive tries again.
void Listener::resyncAfterOverrun(EventSocket& socket, Handler& handler) {
    if (!socket.overrun()) {
        return;
    }
    const redirect::ConntrackSnapshot taken = snapshot();
    ++resyncs_;
    handler.onResync(taken);
    socket.clearOverrun();
}

} // namespace fwx::conntrack
