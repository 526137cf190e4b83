#include "conntrack/EventFilter.hpp"

#include "error/Error.hpp"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <memory>
#include <utility>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <netinet/in.h>

namespace fwx::conntrack {

namespace {

// libnetfilter_conntrack's table size (__FILTER_ADDR_MAX).
constexpr std::size_t maxV4 = 127;

struct FilterDeleter {
    void operator()(nfct_filter* filter) const noexcept { nfct_filter_destroy(filter); }
};
using Filter = std::unique_ptr<nfct_filter, FilterDeleter>;

Filter createFilter() {
    Filter filter(nfct_filter_create());
    if (!filter) {
        throwSystemError("creating a conntrack event filter", ENOMEM);
    }
    return filter;
}

std::size_t countOf(const std::vector<net::Address>& addresses, net::Family family) {
    return static_cast<std::size_t>(
        std::count_if(addresses.begin(), addresses.end(), [family](const net::Address& address) {
            return address.family() == family;
        }));
}

// The filter program wants host byte order.
void addDestination(nfct_filter* filter, const net::Address& address) {
    const nfct_filter_ipv4 v4{ntohl(address.v4().s_addr), 0xffffffffU};
    nfct_filter_add_attr(filter, NFCT_FILTER_DST_IPV4, &v4);
}

} // namespace

EventFilter::EventFilter(std::vector<net::Address> destinations)
    : destinations_(std::move(destinations)) {
    std::sort(destinations_.begin(), destinations_.end());
    destinations_.erase(std::unique(destinations_.begin(), destinations_.end()),
                        destinations_.end());
    const std::size_t v4 = countOf(destinations_, net::Family::V4);
    if (v4 > maxV4) {
        throwInvalid(fmt::format(
            "the conntrack event filter takes at most {} IPv4 destinations, not {}", maxV4, v4));
    }
}

EventFilter EventFilter::lenient(std::vector<net::Address> destinations) {
    EventFilter filter;
    filter.destinations_ = std::move(destinations);
    std::sort(filter.destinations_.begin(), filter.destinations_.end());
    filter.destinations_.erase(
        std::unique(filter.destinations_.begin(), filter.destinations_.end()),
        filter.destinations_.end());
    filter.byAddress_ = countOf(filter.destinations_, net::Family::V4) <= maxV4;
    return filter;
}

void EventFilter::attachTo(int fd) const {
    const Filter filter = createFilter();
    nfct_filter_add_attr_u32(filter.get(), NFCT_FILTER_L4PROTO, IPPROTO_TCP);
    nfct_filter_add_attr_u32(filter.get(), NFCT_FILTER_L4PROTO, IPPROTO_UDP);
    // Addresses only when every one is IPv4. libnetfilter_conntrack 1.0.9's program looks
    // for the IPv4 destination with SKF_AD_NLATTR, which searches past the end of
    // CTA_TUPLE_IP: in an IPv6 event it finds CTA_TUPLE_PROTO (same type number) and
    // rejects the event, whatever the IPv6 addresses listed. Its IPv6 address test is
    // fixed only in 1.1.0 (commit d9e4d16). IPv6 destinations are filtered by admits().
    if (byAddress_ && countOf(destinations_, net::Family::V6) == 0) {
        for (const net::Address& address : destinations_) {
            addDestination(filter.get(), address);
        }
    }
    if (nfct_filter_attach(fd, filter.get()) < 0) {
        throwSystemError("attaching the conntrack event filter", errno);
    }
}

bool EventFilter::admits(const redirect::Flow& flow) const {
    return destinations_.empty() ||
           std::binary_search(destinations_.begin(), destinations_.end(), flow.internal.address);
}

} // namespace fwx::conntrack
