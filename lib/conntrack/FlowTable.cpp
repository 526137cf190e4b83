#include "conntrack/FlowTable.hpp"

#include "conntrack/Entry.hpp"
#include "conntrack/FlowParser.hpp"
#include "conntrack/Handle.hpp"
#include "conntrack/Query.hpp"
#include "conntrack/Tuple.hpp"
#include "conntrack/TupleSide.hpp"
#include "error/Error.hpp"
#include "net/Address.hpp"
#include "net/Endpoint.hpp"
#include "net/Transport.hpp"

#include <cerrno>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <netinet/in.h>

namespace fwx::conntrack {

namespace {

// "udp 198.51.100.7:5000 -> 203.0.113.1:41000", for error messages.
std::string describeEntry(const nf_conntrack* ct, net::Family family, net::Transport transport) {
    const auto text = [&](const TupleSide& side) {
        const auto endpoint = endpointOf(ct, family, side);
        return endpoint ? endpoint->toString() : std::string("?");
    };
    return fmt::format("{} {} -> {}", net::toString(transport), text(originalSource),
                       text(originalDestination));
}

// What one dump looks for and what it found.
struct Dump {
    net::Family family;
    std::uint8_t protocol;
    // internal endpoint of each redirect -> its target
    std::map<net::Endpoint, net::Endpoint> targets;
    std::vector<Entry> stale;
};

Dump dumpFor(const redirect::RedirectGroup& group) {
    Dump dump{group.family(), net::ipProtocol(group.transport()), {}, {}};
    for (const redirect::Redirect& redirect : group.redirects) {
        dump.targets.emplace(redirect.internal, redirect.target);
    }
    return dump;
}

// How an entry sent to one of the group's ports relates to its redirect.
enum class Relation { Unrelated, Following, Stale };

// Stale: sent to one of the group's ports, but its replies do not come from that port's
// target, so it was set up before this redirect (by a previous one, or none).
Relation relationOf(const nf_conntrack* ct, const Dump& dump) {
    if (nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO) != net::toAddressFamily(dump.family) ||
        nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO) != dump.protocol) {
        return Relation::Unrelated;
    }
    const auto destination = endpointOf(ct, dump.family, originalDestination);
    if (!destination) {
        return Relation::Unrelated;
    }
    const auto redirect = dump.targets.find(*destination);
    if (redirect == dump.targets.end()) {
        return Relation::Unrelated;
    }
    return endpointOf(ct, dump.family, replySource) == redirect->second ? Relation::Following
                                                                        : Relation::Stale;
}

void collect(const nf_conntrack* ct, Dump& dump) {
    if (relationOf(ct, dump) == Relation::Stale) {
        // A copy: the library frees ct after the callback.
        Entry copy(nfct_clone(ct));
        if (!copy) {
            throwSystemError("copying a conntrack entry", ENOMEM);
        }
        dump.stale.push_back(std::move(copy));
    }
}

struct FilterDumpDeleter {
    void operator()(nfct_filter_dump* filter) const noexcept { nfct_filter_dump_destroy(filter); }
};

// One dump of the family's table (the kernel filters by family); entries are matched here.
void dumpGroup(const Handle& handle, Dump& dump) {
    const std::unique_ptr<nfct_filter_dump, FilterDumpDeleter> filter(nfct_filter_dump_create());
    if (!filter) {
        throwSystemError("creating a conntrack dump filter", ENOMEM);
    }
    nfct_filter_dump_set_attr_u8(filter.get(), NFCT_FILTER_DUMP_L3NUM,
                                 static_cast<std::uint8_t>(net::toAddressFamily(dump.family)));
    queryEntries(
        handle, NFCT_Q_DUMP_FILTER, filter.get(),
        [&](const nf_conntrack* ct) { collect(ct, dump); },
        fmt::format("dumping the {} conntrack table", net::toString(dump.family)));
}

// False if the entry was already gone (expired, or replaced: the dumped entry carries its
// id, and the kernel only deletes the entry with that id).
bool destroy(const Handle& handle, const Entry& entry, const Dump& dump, net::Transport transport) {
    if (nfct_query(handle.get(), NFCT_Q_DESTROY, entry.get()) >= 0) {
        return true;
    }
    const int err = errno;
    if (err == ENOENT) {
        return false;
    }
    throwSystemError(fmt::format("deleting stale conntrack entry {}",
                                 describeEntry(entry.get(), dump.family, transport)),
                     err);
}

} // namespace

FlowTable::FlowTable()
    : handle_(Handle::open()) {
}

unsigned FlowTable::remove(const std::vector<redirect::Flow>& flows) {
    unsigned deleted = 0;
    for (const redirect::Flow& flow : flows) {
        const Entry entry =
            Tuple{net::ipProtocol(flow.transport), flow.client, flow.internal}.toEntry();
        nfct_set_attr_u32(entry.get(), ATTR_ID, flow.id);
        if (nfct_query(handle_.get(), NFCT_Q_DESTROY, entry.get()) >= 0) {
            ++deleted;
        } else if (errno != ENOENT) {
            throwSystemError(fmt::format("deleting stale conntrack entry {} {} -> {}",
                                         net::toString(flow.transport), flow.client.toString(),
                                         flow.internal.toString()),
                             errno);
        }
    }
    return deleted;
}

std::optional<redirect::Flow> FlowTable::lookup(const redirect::Flow& flow) {
    const Entry entry =
        Tuple{net::ipProtocol(flow.transport), flow.client, flow.internal}.toEntry();
    if (flow.id != 0) {
        nfct_set_attr_u32(entry.get(), ATTR_ID, flow.id);
    }
    std::optional<redirect::Flow> found;
    queryEntries(
        handle_, NFCT_Q_GET, entry.get(), [&](const nf_conntrack* ct) { found = flowOf(ct); },
        fmt::format("reading conntrack entry {} {} -> {}", net::toString(flow.transport),
                    flow.client.toString(), flow.internal.toString()),
        ENOENT);
    return found;
}

unsigned FlowTable::removeStaleFlows(const redirect::RedirectGroup& group) {
    if (group.redirects.empty()) {
        return 0;
    }
    Dump dump = dumpFor(group);
    dumpGroup(handle_, dump);
    // The dump is complete, so the same socket can carry the deletes: deleting from inside
    // the dump callback would interleave requests with the dump's replies.
    unsigned deleted = 0;
    for (const Entry& entry : dump.stale) {
        if (destroy(handle_, entry, dump, group.transport())) {
            ++deleted;
        }
    }
    return deleted;
}

} // namespace fwx::conntrack
