#include "conntrack/EventFilter.hpp"

#include "error/Error.hpp"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <netinet/in.h>

namespace fwx::conntrack {

namespace {

// libnetfilter_conntrack's table sizes (__FILTER_ADDR_MAX, __FILTER_IPV6_MAX).
constexpr std::size_t maxV4 = 127;
constexpr std::size_t maxV6 = 20;

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

// The filter program wants host byte order, IPv6 as four 32-bit words.
void addDestination(nfct_filter* filter, const net::Address& address) {
    if (address.isV4()) {
        const nfct_filter_ipv4 v4{ntohl(address.v4().s_addr), 0xffffffffU};
        nfct_filter_add_attr(filter, NFCT_FILTER_DST_IPV4, &v4);
        return;
    }
    nfct_filter_ipv6 v6{};
    const auto bytes = address.bytes();
    for (std::size_t word = 0; word < 4; ++word) {
        std::uint32_t networkOrder = 0;
        std::memcpy(&networkOrder, bytes.data() + word * 4, sizeof networkOrder);
        v6.addr[word] = ntohl(networkOrder);
        v6.mask[word] = 0xffffffffU;
    }
    nfct_filter_add_attr(filter, NFCT_FILTER_DST_IPV6, &v6);
}

} // namespace

EventFilter::EventFilter(std::vector<net::Address> destinations)
    : destinations_(std::move(destinations)) {
    const std::size_t v4 = countOf(destinations_, net::Family::V4);
    const std::size_t v6 = countOf(destinations_, net::Family::V6);
    if (v4 > maxV4 || v6 > maxV6) {
        throwInvalid(fmt::format("the conntrack event filter takes at most {} IPv4 and {} IPv6 "
                                 "destinations, not {} and {}",
                                 maxV4, maxV6, v4, v6));
    }
}

void EventFilter::attachTo(int fd) const {
    const Filter filter = createFilter();
    nfct_filter_add_attr_u32(filter.get(), NFCT_FILTER_L4PROTO, IPPROTO_TCP);
    nfct_filter_add_attr_u32(filter.get(), NFCT_FILTER_L4PROTO, IPPROTO_UDP);
    for (const net::Address& address : destinations_) {
        addDestination(filter.get(), address);
    }
    // The program checks each family only in messages of that family (an IPv6 event has
    // no IPv4 destination to compare and passes the IPv4 test), so a family without
    // listed destinations gets its unspecified address, which conntrack never confirms.
    if (!destinations_.empty()) {
        for (const net::Family family : {net::Family::V4, net::Family::V6}) {
            if (countOf(destinations_, family) == 0) {
                addDestination(filter.get(), net::Address::any(family));
            }
        }
    }
    if (nfct_filter_attach(fd, filter.get()) < 0) {
        throwSystemError("attaching the conntrack event filter", errno);
    }
}

bool EventFilter::admits(const redirect::Flow& flow) const {
    return destinations_.empty() || std::find(destinations_.begin(), destinations_.end(),
                                              flow.internal.address) != destinations_.end();
}

} // namespace fwx::conntrack
