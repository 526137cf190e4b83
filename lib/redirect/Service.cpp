#include "redirect/Service.hpp"

#include "error/Error.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

namespace fwx::redirect {

Service::Service(RequestValidator validator, PortAllocator& ports, NftBackend& nft,
                 RelayBackend& relays, FlowTable& flows, const PortFlows& portFlows)
    : validator_(std::move(validator))
    , ports_(ports)
    , nft_(nft)
    , relays_(relays)
    , flows_(flows)
    , portFlows_(portFlows) {
}

// Stale flows are removed after the group is programmed: a flow created in between by a
// packet that found no permission yet would otherwise keep bypassing the redirect. If that
// fails, the group goes again (should the kernel refuse that too, it is retired: retried,
// never forgotten).
RedirectGroup Service::open(const Request& request) {
    const ValidRequest valid = validator_.validate(request);
    PortLease lease = ports_.lease(valid.internalAddress, valid.transport,
                                   static_cast<unsigned>(valid.targets.size()));
    RedirectGroup group = build(valid, lease.first());
    if (valid.userMode) {
        relays_.addGroup(group);
    } else {
        nft_.addGroup(group);
    }
    lease.commit(); // programmed: the ports are the group's until it is removed
    try {
        removeStaleFlows(group);
    } catch (const Error&) {
        remove(group.redirects);
        throw;
    }
    return group;
}

RedirectGroup Service::build(const ValidRequest& request, std::uint16_t firstPort) {
    RedirectGroup group;
    group.id = nextId_++;
    group.redirects.reserve(request.targets.size());
    for (std::size_t i = 0; i < request.targets.size(); ++i) {
        Redirect r;
        r.internal = {request.internalAddress, static_cast<std::uint16_t>(firstPort + i)};
        r.target = request.targets[i];
        r.snatSource = request.snatSource;
        r.transport = request.transport;
        r.singleUse = request.singleUse;
        r.permissionTimeout = request.permissionTimeout;
        r.allowedSource = request.allowedSource;
        r.expected = request.expected;
        r.userMode = request.userMode;
        r.handOver = request.handOver;
        group.redirects.push_back(r);
    }
    return group;
}

// An entry on one of the new ports whose replies do not come from that port's target was
// set up before this redirect existed (by an earlier one, or by none).
void Service::removeStaleFlows(const RedirectGroup& group) {
    if (!portFlows_.complete()) {
        flows_.removeStaleFlows(group);
        return;
    }
    std::vector<Flow> stale;
    for (const Redirect& r : group.redirects) {
        for (const Flow& flow : portFlows_.to(r.transport, r.internal)) {
            if (flow.target != r.target) {
                stale.push_back(flow);
            }
        }
    }
    if (!stale.empty()) {
        flows_.remove(stale);
    }
}

void Service::close(const Redirect& redirect) {
    if (redirect.userMode) {
        relays_.remove(redirect);
        releasePort(redirect);
        return;
    }
    const Removal removal = nft_.removeRedirects({&redirect, 1});
    if (removal.error) {
        throw *removal.error;
    }
    releasePort(redirect);
}

std::optional<Error> Service::retire(std::vector<Redirect> redirects) {
    return remove(redirects);
}

std::optional<Error> Service::retryRetired() {
    const std::vector<Redirect> again = std::exchange(retiring_, {});
    return remove(again);
}

void Service::stopAdmitting(const Redirect& redirect) {
    if (redirect.userMode) {
        relays_.stopAdmitting(redirect);
    }
}

// Relays close at once and cannot be refused; the kernel's share goes in bounded
// transactions, and what it refuses is kept for retryRetired().
std::optional<Error> Service::remove(std::span<const Redirect> redirects) {
    const auto userMode = [](const Redirect& r) {
        return r.userMode;
    };
    if (std::none_of(redirects.begin(), redirects.end(), userMode)) {
        return removeFromKernel(redirects);
    }
    std::vector<Redirect> kernel;
    for (const Redirect& r : redirects) {
        if (r.userMode) {
            relays_.remove(r);
            releasePort(r);
        } else {
            kernel.push_back(r);
        }
    }
    return removeFromKernel(kernel);
}

std::optional<Error> Service::removeFromKernel(std::span<const Redirect> redirects) {
    if (redirects.empty()) {
        return std::nullopt;
    }
    const Removal removal = nft_.removeRedirects(redirects);
    for (const Redirect& gone : redirects.first(removal.removed)) {
        releasePort(gone);
    }
    const auto left = redirects.subspan(removal.removed);
    retiring_.insert(retiring_.end(), left.begin(), left.end());
    return removal.error;
}

void Service::holdPort(const Redirect& redirect) {
    held_.emplace(redirect.transport, redirect.internal);
}

void Service::unholdPort(const Redirect& redirect) {
    if (held_.erase({redirect.transport, redirect.internal}) == 0) {
        return;
    }
    const bool stillProgrammed =
        std::any_of(retiring_.begin(), retiring_.end(), [&](const Redirect& r) {
            return r.transport == redirect.transport && r.internal == redirect.internal;
        });
    if (!stillProgrammed) {
        releasePort(redirect);
    }
}

void Service::releasePort(const Redirect& redirect) {
    if (held_.contains({redirect.transport, redirect.internal})) {
        return; // unholdPort() frees it
    }
    ports_.release(redirect.internal.address, redirect.transport, redirect.internal.port, 1);
}

} // namespace fwx::redirect
