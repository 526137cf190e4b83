#include "conntrack/Expect.hpp"

#include "error/Error.hpp"

#include <cerrno>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

namespace fwx::conntrack {

void ExpectDeleter::operator()(nf_expect* expect) const noexcept {
    nfexp_destroy(expect);
}

Expect makeExpect() {
    Expect expect(nfexp_new());
    if (!expect) {
        throwSystemError("allocating a conntrack expectation", ENOMEM);
    }
    return expect;
}

} // namespace fwx::conntrack
