#pragma once

#include "conntrack/EventFilter.hpp"
#include "conntrack/EventSocket.hpp"
#include "conntrack/Handle.hpp"
#include "net/Address.hpp"
#include "redirect/Flow.hpp"

#include <cstdint>
#include <vector>

namespace fwx::conntrack {

struct ListenerOptions {
    // Kernel-side filter (a BPF program on the conntrack event socket): only events of
    // TCP and UDP flows whose original destination address is one of these. Empty: every
    // TCP and UDP flow. Resynchronisation dumps are filtered alike.
    std::vector<net::Address> destinations;
    // SO_RCVBUFFORCE size of each event socket, in bytes (the kernel doubles it).
    int receiveBuffer = 16 * 1024 * 1024;
};

// Conntrack and expectation events of the caller's network namespace, in the domain's
// terms, with no loss going unnoticed: when the kernel reports an overrun the listener
// dumps both tables and hands over a snapshot. The caller polls flowFd() and
// expectationFd() for input and calls the matching receive function when one is readable.
//
// Events of connections created before the listener existed arrive only with
// net.netfilter.nf_conntrack_events=1 (see requireConntrackEvents()).
class Listener {
public:
    class Handler {
    public:
        virtual ~Handler() = default;
        virtual void onFlow(const redirect::FlowEvent& event) = 0;
        virtual void onExpectation(const redirect::ExpectationEvent& event) = 0;
        // After the kernel reported lost events (ENOBUFS): everything conntrack holds now.
        // Events read before it may be older than the snapshot; events after it are newer.
        virtual void onResync(const redirect::ConntrackSnapshot& snapshot) = 0;
    };

    // Opens two event sockets (conntrack NEW | UPDATE | DESTROY, expectation NEW |
    // DESTROY) and two query sockets for the dumps. Throws fwx::Error(Failed) with the
    // errno, or fwx::Error(InvalidArgument) for too many destinations (see EventFilter).
    explicit Listener(ListenerOptions options);

    int flowFd() const noexcept { return flows_.fd(); }
    int expectationFd() const noexcept { return expectations_.fd(); }

    // Reads the messages queued on that socket without blocking (at most one receive
    // buffer's worth per call) and calls handler for each event of a TCP or UDP flow or
    // expectation; if the kernel reported an overrun meanwhile, then dumps both tables and
    // calls handler.onResync once. Throws fwx::Error(Failed) if receiving or a dump fails,
    // and whatever handler throws; a pending resync is then done by the next call (a
    // handler that throws loses the rest of that receive's events, so it gets one).
    void receiveFlows(Handler& handler);
    void receiveExpectations(Handler& handler);

    // Also the flows to these addresses from now on (the servers of the primary
    // connections fwxd follows), besides ListenerOptions::destinations; none if those are
    // empty (every flow is admitted already). Re-attaches the kernel-side filter. Throws
    // fwx::Error(Failed) with the errno; the previous filter then stays.
    void alsoDestinations(std::vector<net::Address> more);

    // Everything both tables hold now (of the flows, what the filter admits): one dump
    // each. Throws fwx::Error(Failed) with the errno.
    redirect::ConntrackSnapshot snapshot();

    // Resynchronisations after an overrun so far.
    std::uint64_t resyncs() const noexcept { return resyncs_; }

private:
    static void drainOrMarkLost(EventSocket& socket, const EventSocket::MessageFn& onMessage);
    void resyncAfterOverrun(EventSocket& socket, Handler& handler);

    std::vector<net::Address> configured_;
    EventFilter filter_;
    EventSocket flows_;
    EventSocket expectations_;
    Handle flowQuery_;
    Handle expectationQuery_;
    std::uint64_t resyncs_ = 0;
};

} // namespace fwx::conntrack
