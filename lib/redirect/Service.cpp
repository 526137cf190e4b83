#include "redirect/Service.hpp"

#include "error/Error.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

namespace fwx::redirect {

Service::Service(RequestValidator validator, PortAllocator& ports, NftBackend& nft,
                 FlowTable& flows)
    : validator_(std::move(validator))
    , ports_(ports)
    , nft_(nft)
    , flows_(flows) {
}

Service::~Service() {
    while (!groups_.empty()) {
        try {
            close(groups_.begin()->first);
        } catch (const Error&) {
            groups_.erase(groups_.begin());
        }
    }
}

const RedirectGroup& Service::open(const Request& request) {
    const ValidRequest valid = validator_.validate(request);
    PortLease lease = ports_.lease(valid.internalAddress, valid.transport,
                                   static_cast<unsigned>(valid.targets.size()));
    RedirectGroup group = build(valid, lease.first());
    program(group);
    lease.commit();
    const GroupId id = group.id;
    return groups_.emplace(id, std::move(group)).first->second;
}

RedirectGroup Service::build(const ValidRequest& request, std::uint16_t firstPort) {
    RedirectGroup group;
    group.id = nextId_++;
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
        group.redirects.push_back(r);
    }
    return group;
}

// Stale flows are removed after the group is programmed: a flow created in between by a
// packet that found no permission yet would otherwise keep bypassing the redirect.
void Service::program(const RedirectGroup& group) {
    nft_.addGroup(group);
    try {
        flows_.removeStaleFlows(group);
    } catch (const Error&) {
        unprogram(group.redirects);
        throw;
    }
}

void Service::close(GroupId id) {
    const auto it = findOrThrow(id);
    unprogram(it->second.redirects);
    releasePorts(it->second);
    groups_.erase(it);
}

void Service::closeRedirect(GroupId id, const net::Endpoint& internal) {
    const auto it = findOrThrow(id);
    std::vector<Redirect>& redirects = it->second.redirects;
    const auto redirect = std::find_if(redirects.begin(), redirects.end(),
                                       [&](const Redirect& r) { return r.internal == internal; });
    if (redirect == redirects.end()) {
        throwInvalid(
            fmt::format("{} has no redirect on {}", describe(it->second), internal.toString()));
    }
    RedirectGroup one{id, {*redirect}};
    unprogram(one.redirects);
    releasePorts(one);
    redirects.erase(redirect);
    if (redirects.empty()) {
        groups_.erase(it);
    }
}

void Service::unprogram(std::span<const Redirect> redirects) {
    const Removal removal = nft_.removeRedirects(redirects);
    if (removal.error) {
        throw *removal.error;
    }
}

std::map<GroupId, RedirectGroup>::iterator Service::findOrThrow(GroupId id) {
    const auto it = groups_.find(id);
    if (it == groups_.end()) {
        throwInvalid("no redirect group " + std::to_string(id));
    }
    return it;
}

// Port by port: redirects closed one at a time leave gaps in the group's run.
void Service::releasePorts(const RedirectGroup& group) {
    for (const Redirect& r : group.redirects) {
        ports_.release(r.internal.address, r.transport, r.internal.port, 1);
    }
}

const RedirectGroup* Service::find(GroupId id) const {
    const auto it = groups_.find(id);
    return it == groups_.end() ? nullptr : &it->second;
}

std::size_t Service::activeRedirects() const noexcept {
    return std::accumulate(
        groups_.begin(), groups_.end(), std::size_t{0},
        [](std::size_t n, const auto& entry) { return n + entry.second.redirects.size(); });
}

} // namespace fwx::redirect
