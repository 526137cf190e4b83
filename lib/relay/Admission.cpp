#include "relay/Admission.hpp"

namespace fwx::relay {

Admission::Admission(bool allowMultiple, const std::optional<net::Prefix>& allowedSource)
    : allowMultiple_(allowMultiple)
    , allowedSource_(allowedSource) {
}

Admission::Verdict Admission::admit(const net::Address& client) {
    const Verdict verdict = decide(client);
    if (verdict == Verdict::Admitted) {
        ++admitted_;
    } else {
        ++refused_;
    }
    return verdict;
}

Admission::Verdict Admission::decide(const net::Address& client) const {
    if (stopped_) {
        return Verdict::Stopped;
    }
    if (allowedSource_ && !allowedSource_->contains(client)) {
        return Verdict::NotAllowed;
    }
    // Like the kernel's single-use token: taken by the first client admitted, whether or
    // not its connection to the target then works.
    if (!allowMultiple_ && admitted_ > 0) {
        return Verdict::Spent;
    }
    return Verdict::Admitted;
}

} // namespace fwx::relay
