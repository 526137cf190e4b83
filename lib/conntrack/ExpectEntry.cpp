#include "conntrack/ExpectEntry.hpp"

#include "error/Error.hpp"

#include <cerrno>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

namespace fwx::conntrack {

void ExpectEntryDeleter::operator()(nf_expect* entry) const noexcept {
    nfexp_destroy(entry);
}

ExpectEntry newExpectEntry() {
    ExpectEntry entry(nfexp_new());
    if (!entry) {
        throwSystemError("allocating a conntrack expectation", ENOMEM);
    }
    return entry;
}

} // namespace fwx::conntrack
