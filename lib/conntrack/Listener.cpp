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
    : filter_(std::move(options.destinations))
    , flows_(flowSocket(options, filter_))
    , expectations_(Handle::openExpect(expectationGroups), options.receiveBuffer)
    , flowQuery_(Handle::open())
    , expectationQuery_(Handle::openExpect()) {
}

void Listener::receiveFlows(Handler& handler) {
    const bool lost = flows_.drain([&](const nlmsghdr& message) {
        const auto event = flowEventOf(message);
        if (event && filter_.admits(event->flow)) {
            handler.onFlow(*event);
        }
    });
    if (lost) {
        resync(handler);
    }
}

void Listener::receiveExpectations(Handler& handler) {
    const bool lost = expectations_.drain([&](const nlmsghdr& message) {
        if (const auto event = expectationEventOf(message)) {
            handler.onExpectation(*event);
        }
    });
    if (lost) {
        resync(handler);
    }
}

void Listener::resync(Handler& handler) {
    const redirect::ConntrackSnapshot snapshot =
        takeSnapshot(flowQuery_, expectationQuery_, filter_);
    ++resyncs_;
    handler.onResync(snapshot);
}

} // namespace fwx::conntrack
