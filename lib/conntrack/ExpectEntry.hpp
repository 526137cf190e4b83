#pragma once

#include <memory>

struct nf_expect;

namespace fwx::conntrack {

struct ExpectEntryDeleter {
    void operator()(nf_expect* entry) const noexcept;
};

// A conntrack expectation (libnetfilter_conntrack's nf_expect) that we own: nfexp_destroy()ed
// by its destructor.
using ExpectEntry = std::unique_ptr<nf_expect, ExpectEntryDeleter>;

// nfexp_new(); throws fwx::Error(Failed) with ENOMEM.
ExpectEntry newExpectEntry();

} // namespace fwx::conntrack
