#include "conntrack/Snapshot.hpp"

#include "conntrack/ExpectationCodec.hpp"
#include "conntrack/FlowParser.hpp"
#include "conntrack/Query.hpp"

#include <cstdint>
#include <utility>

#include <sys/socket.h>

namespace fwx::conntrack {

// AF_UNSPEC: every family in one dump.
redirect::ConntrackSnapshot takeSnapshot(const Handle& flows, const Handle& expectations,
                                         const EventFilter& filter) {
    redirect::ConntrackSnapshot snapshot;
    const std::uint32_t family = AF_UNSPEC;
    queryExpectations(
        expectations, NFCT_Q_DUMP, &family,
        [&](const nf_expect* exp) {
            if (auto expectation = fromKernel(exp)) {
                snapshot.expectations.push_back(std::move(*expectation));
            }
        },
        "dumping the conntrack expectation table");
    queryEntries(
        flows, NFCT_Q_DUMP, &family,
        [&](const nf_conntrack* ct) {
            auto flow = flowOf(ct);
            if (flow && filter.admits(*flow)) {
                snapshot.flows.push_back(*flow);
            }
        },
        "dumping the conntrack table");
    return snapshot;
}

} // namespace fwx::conntrack
