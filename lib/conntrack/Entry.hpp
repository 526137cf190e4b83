#pragma once

#include <memory>

struct nf_conntrack;

namespace fwx::conntrack {

struct EntryDeleter {
    void operator()(nf_conntrack* entry) const noexcept;
};

// A conntrack entry (libnetfilter_conntrack's nf_conntrack) that we own: nfct_destroy()ed
// by its destructor.
using Entry = std::unique_ptr<nf_conntrack, EntryDeleter>;

// nfct_new(); throws fwx::Error(Failed, ENOMEM) instead of returning null.
Entry makeEntry();

} // namespace fwx::conntrack
