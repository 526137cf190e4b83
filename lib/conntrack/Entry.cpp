#include "conntrack/Entry.hpp"

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

namespace fwx::conntrack {

void EntryDeleter::operator()(nf_conntrack* entry) const noexcept {
    nfct_destroy(entry);
}

} // namespace fwx::conntrack
