#include "conntrack/Entry.hpp"

#include "error/Error.hpp"

#include <cerrno>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

namespace fwx::conntrack {

void EntryDeleter::operator()(nf_conntrack* entry) const noexcept {
    nfct_destroy(entry);
}

Entry makeEntry() {
    Entry entry(nfct_new());
    if (!entry) {
        throwSystemError("allocating a conntrack entry", ENOMEM);
    }
    return entry;
}

} // namespace fwx::conntrack
