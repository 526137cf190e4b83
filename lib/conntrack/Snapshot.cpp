#include "conntrack/Snapshot.hpp"

#include "conntrack/ExpectationCodec.hpp"
#include "conntrack/FlowParser.hpp"
#include "error/Error.hpp"

#include <cerrno>
#include <cstdint>
#include <exception>
#include <utility>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <sys/socket.h>

namespace fwx::conntrack {

namespace {

// What a dump collects. The callbacks run inside C code and must not throw: an exception
// is parked here and rethrown once the query has returned.
struct Collector {
    const EventFilter& filter;
    redirect::ConntrackSnapshot snapshot;
    std::exception_ptr error;
};

int collectFlow(nf_conntrack_msg_type /*type*/, nf_conntrack* ct, void* data) noexcept {
    Collector& collector = *static_cast<Collector*>(data);
    try {
        auto flow = flowOf(ct);
        if (flow && collector.filter.admits(*flow)) {
            collector.snapshot.flows.push_back(*flow);
        }
        return NFCT_CB_CONTINUE;
    } catch (...) {
        collector.error = std::current_exception();
        return NFCT_CB_FAILURE;
    }
}

int collectExpectation(nf_conntrack_msg_type /*type*/, nf_expect* exp, void* data) noexcept {
    Collector& collector = *static_cast<Collector*>(data);
    try {
        auto expectation = fromKernel(exp);
        if (expectation) {
            collector.snapshot.expectations.push_back(std::move(*expectation));
        }
        return NFCT_CB_CONTINUE;
    } catch (...) {
        collector.error = std::current_exception();
        return NFCT_CB_FAILURE;
    }
}

// Unregisters the callbacks so the handles never keep a pointer to a dead Collector.
class Registration {
public:
    Registration(const Handle& flows, const Handle& expectations, Collector& collector)
        : flows_(flows)
        , expectations_(expectations) {
        if (nfct_callback_register(flows.get(), NFCT_T_ALL, &collectFlow, &collector) < 0) {
            throwSystemError("registering a conntrack callback", errno);
        }
        if (nfexp_callback_register(expectations.get(), NFCT_T_ALL, &collectExpectation,
                                    &collector) < 0) {
            const int err = errno;
            nfct_callback_unregister(flows.get());
            throwSystemError("registering a conntrack expectation callback", err);
        }
    }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    ~Registration() {
        nfexp_callback_unregister(expectations_.get());
        nfct_callback_unregister(flows_.get());
    }

private:
    const Handle& flows_;
    const Handle& expectations_;
};

// AF_UNSPEC: every family in one dump.
template <class Query>
void dump(Query query, const Handle& handle, const Collector& collector, const char* what) {
    std::uint32_t family = AF_UNSPEC;
    const int rc = query(handle.get(), NFCT_Q_DUMP, &family);
    const int err = errno;
    if (collector.error) {
        std::rethrow_exception(collector.error);
    }
    if (rc < 0) {
        throwSystemError(what, err);
    }
}

} // namespace

redirect::ConntrackSnapshot takeSnapshot(const Handle& flows, const Handle& expectations,
                                         const EventFilter& filter) {
    Collector collector{filter, {}, nullptr};
    const Registration registration(flows, expectations, collector);
    dump(&nfexp_query, expectations, collector, "dumping the conntrack expectation table");
    dump(&nfct_query, flows, collector, "dumping the conntrack table");
    return std::move(collector.snapshot);
}

} // namespace fwx::conntrack
