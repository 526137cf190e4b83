#pragma once

#include "redirect/Expectation.hpp"
#include "redirect/Session.hpp"

#include <optional>
#include <string>
#include <vector>

namespace fwx::redirect {

// Conntrack expectations on primary connections.
// Real: conntrack::Expectations. Fake: tests/unit/fakes/FakeExpectationBackend.
class ExpectationBackend {
public:
    virtual ~ExpectationBackend() = default;
    // The kernel helper attached to the primary's conntrack entry: none if conntrack does
    // not track the primary (or no longer), "" if it carries no helper. Throws
    // fwx::Error(Failed) if ctnetlink refuses the query.
    virtual std::optional<std::string> helperOf(const PrimaryConnection& primary) = 0;
    // The expectations currently hung on the primary (one dump).
    virtual std::vector<Expectation> list(const PrimaryConnection& primary) = 0;
    // Creates every expectation (all on the same master) with its own timeout, then
    // confirms by a dump that each one exists: the kernel silently evicts the oldest when a
    // helper's per-master limit is exceeded. All or nothing: on any failure the ones
    // created are removed and fwx::Error(Failed) names the expectation and errno.
    virtual void create(const std::vector<Expectation>& expectations) = 0;
    // Removes the expectations; ones already gone (used, expired, master died) are not an
    // error. Throws fwx::Error(Failed) for any other refusal.
    virtual void remove(const std::vector<Expectation>& expectations) = 0;
};

} // namespace fwx::redirect
