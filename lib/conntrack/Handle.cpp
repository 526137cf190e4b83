#include "conntrack/Handle.hpp"

#include "error/Error.hpp"

#include <cerrno>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

namespace fwx::conntrack {

void Handle::Closer::operator()(nfct_handle* handle) const noexcept {
    nfct_close(handle);
}

Handle Handle::open(unsigned groups) {
    nfct_handle* handle = nfct_open(CONNTRACK, groups);
    if (handle == nullptr) {
        throwSystemError("opening a ctnetlink socket", errno);
    }
    return Handle(handle);
}

Handle Handle::openExpectations() {
    nfct_handle* handle = nfct_open(EXPECT, 0);
    if (handle == nullptr) {
        throwSystemError("opening a ctnetlink socket for expectations", errno);
    }
    return Handle(handle);
}

} // namespace fwx::conntrack
