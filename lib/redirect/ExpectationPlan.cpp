#include "redirect/ExpectationPlan.hpp"

#include "redirect/KernelHelper.hpp"

#include <fmt/format.h>

namespace fwx::redirect {

namespace {

std::string describe(const PrimaryConnection& primary) {
    return fmt::format("{} {} -> {}", net::toString(primary.transport), primary.client.toString(),
                       primary.server.toString());
}

std::optional<std::string> helperObstacle(const PrimaryConnection& primary,
                                          const std::string& helperName, const Request& request,
                                          std::size_t existing) {
    const auto helper = findKernelHelper(helperName);
    if (!helper) {
        return std::nullopt; // not ours to judge: the dump after creating will tell
    }
    if (existing + request.targets.size() > helper->maxExpected) {
        return fmt::format("helper \"{}\" on the primary connection {} keeps at most {} "
                           "expectation(s) per connection; it holds {} and {} were asked for",
                           helperName, describe(primary), helper->maxExpected, existing,
                           request.targets.size());
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> expectationObstacle(ExpectationBackend& expectations,
                                               const std::optional<PrimaryConnection>& primary,
                                               const Request& request) {
    if (!primary) {
        return std::string(NoPrimaryObstacle);
    }
    if (request.targets.empty() || primary->client.family() != request.targets.front().family()) {
        return fmt::format("the primary connection {} is not of the redirect's address family",
                           describe(*primary));
    }
    const auto helper = expectations.helperOf(*primary);
    if (!helper) {
        return fmt::format("the primary connection {} is not tracked by conntrack",
                           describe(*primary));
    }
    if (helper->empty()) {
        return fmt::format("the primary connection {} has no conntrack helper (register its "
                           "protocol with a Helper before the connection starts)",
                           describe(*primary));
    }
    return helperObstacle(*primary, *helper, request, expectations.list(*primary).size());
}

Expectation expectationFor(const PrimaryConnection& primary, const Redirect& redirect) {
    Expectation expectation;
    expectation.master = primary;
    expectation.transport = redirect.transport;
    expectation.source = redirect.allowedSource;
    expectation.destination = redirect.internal;
    expectation.permanent = !redirect.singleUse;
    expectation.timeout = SessionLongExpectation;
    if (redirect.permissionTimeout) {
        // Whole seconds, rounded up: the kernel counts no finer.
        expectation.timeout = std::chrono::ceil<std::chrono::seconds>(*redirect.permissionTimeout);
    }
    return expectation;
}

std::vector<Expectation> expectationsFor(const PrimaryConnection& primary,
                                         const RedirectGroup& group) {
    std::vector<Expectation> all;
    for (const Redirect& redirect : group.redirects) {
        all.push_back(expectationFor(primary, redirect));
    }
    return all;
}

} // namespace fwx::redirect
