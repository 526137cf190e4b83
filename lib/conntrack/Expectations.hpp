#pragma once

#include "redirect/ExpectationBackend.hpp"

namespace fwx::conntrack {

// redirect::ExpectationBackend over ctnetlink (libnetfilter_conntrack's nfexp_* API), in
// the caller's network namespace. Opens its socket per call, like FlowTable: calls are
// rare (one per RedirectConnections of a helped primary) and no state can go stale.
//
// The kernel takes expectations from userspace only on a master that has a conntrack
// helper (EOPNOTSUPP otherwise), applies that helper's policy (its per-master limit, its
// timeout on creation), and evicts the oldest silently over the limit: hence a second
// message for the timeout and a dump to confirm.
class Expectations final : public redirect::ExpectationBackend {
public:
    std::optional<std::string> helperOf(const redirect::PrimaryConnection& primary) override;
    std::vector<redirect::Expectation> list(const redirect::PrimaryConnection& primary) override;
    void create(const std::vector<redirect::Expectation>& expectations) override;
    void remove(const std::vector<redirect::Expectation>& expectations) override;
};

} // namespace fwx::conntrack
