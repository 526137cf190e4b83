#include "conntrack/ExpectationDump.hpp"

#include "conntrack/ExpectationCodec.hpp"
#include "error/Error.hpp"

#include <cerrno>
#include <cstdint>
#include <exception>
#include <string>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

namespace fwx::conntrack {

namespace {
// The callback runs inside C code and must not throw: an exception is parked here and
// rethrown once nfexp_query() has returned.
struct Dump {
    std::vector<redirect::Expectation> found;
    std::exception_ptr error;
};

int collect(nf_conntrack_msg_type /*type*/, nf_expect* expect, void* data) noexcept {
    Dump& dump = *static_cast<Dump*>(data);
    try {
        if (auto expectation = fromKernel(expect)) {
            dump.found.push_back(std::move(*expectation));
        }
        return NFCT_CB_CONTINUE;
    } catch (...) {
        dump.error = std::current_exception();
        return NFCT_CB_FAILURE;
    }
}

// Unregisters the callback so the handle never keeps a pointer to a dead Dump.
class CallbackRegistration {
public:
    CallbackRegistration(const Handle& handle, Dump& dump)
        : handle_(handle) {
        if (nfexp_callback_register(handle.get(), NFCT_T_ALL, &collect, &dump) < 0) {
            throwSystemError("registering a conntrack expectation callback", errno);
        }
    }
    CallbackRegistration(const CallbackRegistration&) = delete;
    CallbackRegistration& operator=(const CallbackRegistration&) = delete;
    ~CallbackRegistration() { nfexp_callback_unregister(handle_.get()); }

private:
    const Handle& handle_;
};
} // namespace

std::vector<redirect::Expectation> dumpExpectations(const Handle& handle, net::Family family) {
    Dump dump;
    const CallbackRegistration registration(handle, dump);
    std::uint32_t addressFamily = static_cast<std::uint32_t>(net::toAddressFamily(family));
    const int rc = nfexp_query(handle.get(), NFCT_Q_DUMP, &addressFamily);
    const int err = errno;
    if (dump.error) {
        std::rethrow_exception(dump.error);
    }
    if (rc < 0) {
        throwSystemError("conntrack: dumping the " + std::string(net::toString(family)) +
                             " expectation table",
                         err);
    }
    return std::move(dump.found);
}

} // namespace fwx::conntrack
