#include "conntrack/Query.hpp"

#include "error/Error.hpp"

#include <cerrno>
#include <exception>

namespace fwx::conntrack {

namespace {

template <typename Object> struct Visitor {
    const std::function<void(const Object*)>& visit;
    std::exception_ptr error;
};

template <typename Object>
int dispatch(nf_conntrack_msg_type /*type*/, Object* object, void* data) noexcept {
    auto& visitor = *static_cast<Visitor<Object>*>(data);
    try {
        visitor.visit(object);
        return NFCT_CB_CONTINUE;
    } catch (...) {
        visitor.error = std::current_exception();
        return NFCT_CB_FAILURE;
    }
}

// Runs query with visitor registered on handle, and rethrows what the visitor parked.
template <typename Object, typename Register, typename Unregister, typename Query>
void run(const Handle& handle, Register registerCallback, Unregister unregisterCallback,
         Query query, Visitor<Object>& visitor, const std::string& what, int tolerated) {
    if (registerCallback(handle.get(), NFCT_T_ALL, &dispatch<Object>, &visitor) < 0) {
        throwSystemError("registering a conntrack callback for " + what, errno);
    }
    const int rc = query();
    const int err = errno;
    unregisterCallback(handle.get());
    if (visitor.error) {
        std::rethrow_exception(visitor.error);
    }
    if (rc < 0 && (tolerated == 0 || err != tolerated)) {
        throwSystemError(what, err);
    }
}

} // namespace

void queryEntries(const Handle& handle, nf_conntrack_query query, const void* data,
                  const std::function<void(const nf_conntrack*)>& visit, const std::string& what,
                  int tolerated) {
    Visitor<nf_conntrack> visitor{visit, nullptr};
    run(
        handle, &nfct_callback_register, &nfct_callback_unregister,
        [&] { return nfct_query(handle.get(), query, data); }, visitor, what, tolerated);
}

void queryExpectations(const Handle& handle, nf_conntrack_query query, const void* data,
                       const std::function<void(const nf_expect*)>& visit,
                       const std::string& what) {
    Visitor<nf_expect> visitor{visit, nullptr};
    run(
        handle, &nfexp_callback_register, &nfexp_callback_unregister,
        [&] { return nfexp_query(handle.get(), query, data); }, visitor, what, 0);
}

} // namespace fwx::conntrack
