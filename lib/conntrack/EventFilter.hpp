// Which conntrack events the listener wants: TCP and UDP flows, optionally only those sent
// to some original destination addresses (the firewall's internal addresses, and the
// servers of the primary connections fwxd follows).
#pragma once

#include "net/Address.hpp"
#include "redirect/Flow.hpp"

#include <vector>

namespace fwx::conntrack {

class EventFilter {
public:
    // Empty: every TCP and UDP flow. Throws fwx::Error(InvalidArgument) for more IPv4
    // addresses than libnetfilter_conntrack's filter holds (127): it would silently drop
    // the rest.
    explicit EventFilter(std::vector<net::Address> destinations);
    // The same, but more IPv4 destinations than the kernel-side filter holds only make it
    // test the transport (admits() still tests the destination): for addresses fwxd adds
    // at run time, which must not fail a request.
    static EventFilter lenient(std::vector<net::Address> destinations);

    // Attaches the filter to a conntrack event socket, as a BPF program that the kernel
    // runs before queueing an event: filtered events cost no buffer space, so they cannot
    // cause event loss. The program tests the transport always, the destination only when
    // every destination is IPv4 (see the .cpp: libnetfilter_conntrack 1.0.9 cannot do
    // better). Throws fwx::Error(Failed) with the errno.
    void attachTo(int fd) const;

    // The whole decision in userspace, for dumps and as the final word on events.
    bool admits(const redirect::Flow& flow) const;

    const std::vector<net::Address>& destinations() const noexcept { return destinations_; }

private:
    EventFilter() = default;

    std::vector<net::Address> destinations_; // sorted, no duplicates
    bool byAddress_ = true;                  // in the kernel-side filter
};

} // namespace fwx::conntrack
