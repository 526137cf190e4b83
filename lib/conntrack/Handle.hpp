#pragma once

#include <memory>

struct nfct_handle;

namespace fwx::conntrack {

// An open ctnetlink socket of the conntrack or the expectation subsystem
// (libnetfilter_conntrack): move-only, closed by its destructor.
class Handle {
public:
    // nfct_open(CONNTRACK, groups): groups are the NF_NETLINK_CONNTRACK_* event groups to
    // subscribe to, 0 for queries only. Throws fwx::Error(Failed) with the errno.
    static Handle open(unsigned groups = 0);
    // nfct_open(EXPECT, 0): queries of the expectation table (nfexp_*).
    static Handle openExpectations();

    nfct_handle* get() const noexcept { return handle_.get(); }

private:
    struct Closer {
        void operator()(nfct_handle* handle) const noexcept;
    };
    explicit Handle(nfct_handle* handle)
        : handle_(handle) {}

    std::unique_ptr<nfct_handle, Closer> handle_;
};

} // namespace fwx::conntrack
