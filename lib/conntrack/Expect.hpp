#pragma once

#include <memory>

struct nf_expect;

namespace fwx::conntrack {

struct ExpectDeleter {
    void operator()(nf_expect* expect) const noexcept;
};

// A conntrack expectation (libnetfilter_conntrack's nf_expect) that we own: nfexp_destroy()ed
// by its destructor.
using Expect = std::unique_ptr<nf_expect, ExpectDeleter>;

// nfexp_new(); throws fwx::Error(Failed, ENOMEM) instead of returning null.
Expect makeExpect();

} // namespace fwx::conntrack
