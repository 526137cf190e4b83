#include "KernelView.hpp"

#include "conntrack/ExpectationDump.hpp"
#include "conntrack/FlowParser.hpp"
#include "conntrack/Query.hpp"
#include "conntrack/Tuple.hpp"
#include "nft/TableLayout.hpp"

#include <cerrno>
#include <chrono>
#include <iterator>
#include <utility>

#include <linux/netfilter/nf_tables.h>

namespace fwx::test::soak {

std::int64_t realtimeUsec() {
    return std::chrono::duration_cast<microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

const std::vector<std::string>& KernelReader::redirectSets() {
    static const std::vector<std::string> sets = [] {
        std::vector<std::string> names;
        for (const net::Family family : {net::Family::V4, net::Family::V6}) {
            const nft::FamilyLayout& f = nft::layoutFor(family);
            for (std::string name : {f.ports(), f.dnat(), f.once(), f.onceLimits(), f.multi(),
                                     f.open(), f.client(), f.source(), f.snat()}) {
                names.push_back(std::move(name));
            }
        }
        return names;
    }();
    return sets;
}

KernelReader::KernelReader()
    : flows_(conntrack::Handle::open())
    , expectations_(conntrack::Handle::openExpect()) {
}

// One GET by tuple: a hash lookup. A dump of the conntrack table would walk every bucket
// of the kernel's table, shared by all namespaces (262,144 here), for 15 ms per check. A GET
// that meets an entry whose timeout has passed deletes it (with its DESTROY event), as a
// dump would.
std::optional<redirect::Flow> KernelReader::entryOf(const ConnectionMade& made) const {
    const conntrack::Tuple tuple{net::ipProtocol(made.transport), made.client, made.internal};
    const conntrack::Entry query = tuple.toEntry();
    std::optional<redirect::Flow> found;
    conntrack::queryEntries(
        flows_, NFCT_Q_GET, query.get(),
        [&](const nf_conntrack* ct) { found = conntrack::flowOf(ct); },
        "getting the conntrack entry of " + made.client.toString(), ENOENT);
    return found;
}

KernelView KernelReader::read(const std::vector<ConnectionMade>& connections) const {
    KernelView view;
    view.readAt = SteadyClock::now();
    view.realReadAt = realtimeUsec();
    std::vector<std::string> sets = redirectSets();
    for (const net::Family family : {net::Family::V4, net::Family::V6}) {
        sets.push_back(nft::layoutFor(family).helpers());
    }
    for (const std::string& set : sets) {
        for (TableDump::Element& e : table_.elements(set)) {
            view.elements.push_back(KernelElement{set, std::move(e.key), std::move(e.keyEnd),
                                                  std::move(e.data), std::move(e.objref)});
        }
    }
    for (std::string& name : table_.objects(NFT_OBJECT_LIMIT)) {
        view.limitObjects.insert(std::move(name));
    }
    for (std::string& name : table_.objects(NFT_OBJECT_CT_HELPER)) {
        view.helperObjects.insert(std::move(name));
    }
    // Last: a connection the nft dumps saw programmed is still in conntrack if it lives.
    for (const ConnectionMade& made : connections) {
        if (auto flow = entryOf(made)) {
            view.conntrack.flows.push_back(*flow);
        }
    }
    for (const net::Family family : {net::Family::V4, net::Family::V6}) {
        auto found = conntrack::dumpExpectations(expectations_, family);
        std::move(found.begin(), found.end(), std::back_inserter(view.conntrack.expectations));
    }
    return view;
}

} // namespace fwx::test::soak
