#include "redirect/Service.hpp"

#include "error/Error.hpp"

#include <numeric>

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
        nft_.removeGroup(group);
        throw;
    }
}

void Service::close(GroupId id) {
    const auto it = groups_.find(id);
    if (it == groups_.end()) {
        throwInvalid("no redirect group " + std::to_string(id));
    }
    const RedirectGroup& group = it->second;
    nft_.removeGroup(group);
    const Redirect& first = group.redirects.front();
    ports_.release(first.internal.address, first.transport, first.internal.port,
                   static_cast<unsigned>(group.redirects.size()));
    groups_.erase(it);
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
