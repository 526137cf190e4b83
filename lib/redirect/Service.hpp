#pragma once

#include "error/Error.hpp"
#include "redirect/FlowTable.hpp"
#include "redirect/NftBackend.hpp"
#include "redirect/PortAllocator.hpp"
#include "redirect/PortFlows.hpp"
#include "redirect/Redirect.hpp"
#include "redirect/RelayBackend.hpp"
#include "redirect/Request.hpp"
#include "redirect/RequestValidator.hpp"

#include <cstddef>
#include <optional>
#include <set>
#include <span>
#include <utility>
#include <vector>

namespace fwx::redirect {

// Decides what the kernel must do for redirect requests: validates them, allocates the
// ports, has the nft backend program them (or, for NO_KERNEL_MODE, the relay backend
// listen on them) and the flow table forget connections that would bypass them. A request
// either ends with its group fully programmed or leaves nothing behind (ports, kernel
// state).
//
// The caller owns the redirects it gets from open() (SessionRegistry keeps each in its
// action) and gives them back with close() or retire(). The Service itself keeps only the
// redirects whose removal the kernel refused: they stay programmed and their ports
// reserved until a retry removes them, so fwxd's view and the kernel's never differ.
class Service {
public:
    Service(RequestValidator validator, PortAllocator& ports, NftBackend& nft, RelayBackend& relays,
            FlowTable& flows, const PortFlows& portFlows);
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    // Validates the request, allocates N consecutive ports and programs them in one
    // transaction, then deletes the conntrack entries on those ports that do not follow
    // the new redirects. Throws fwx::Error (InvalidArgument, NotSupported, PortsExhausted,
    // QuotaExceeded, Failed).
    RedirectGroup open(const Request& request);
    // Removes one redirect from the kernel, in one transaction, and frees its port. Throws
    // Failed if the kernel refuses: the redirect then stays programmed, its port reserved.
    // A user-mode redirect's relay closes, cutting its live connections.
    void close(const Redirect& redirect);
    // The redirect's permission lapsed while it stays (its deadline passed after it was
    // used): the kernel forgets an expired element itself; a relay must be told.
    void stopAdmitting(const Redirect& redirect);
    // Removes redirects that nobody owns any more (a closed session, a vanished owner,
    // shutdown) in bounded transactions and frees their ports. What the kernel refuses
    // stays programmed, its ports reserved, and is retried by retryRetired() until it goes.
    // Returns the kernel's refusal, if any, for the caller to log.
    std::optional<Error> retire(std::vector<Redirect> redirects);
    // Tries again to remove what the kernel refused before; the same result as retire().
    std::optional<Error> retryRetired();
    // Redirects still programmed because the kernel refused their removal.
    std::size_t retiring() const noexcept { return retiring_.size(); }

    // Connections through the redirect live on after it goes (conntrack keeps their NAT):
    // its port must not go to another redirect before they end, or the new redirect's
    // stale-flow clean-up would cut them. Call it before close() or retire(); the port is
    // then freed by unholdPort(), or when the removal succeeds, whichever is later.
    void holdPort(const Redirect& redirect);
    void unholdPort(const Redirect& redirect);
    std::size_t heldPorts() const noexcept { return held_.size(); }

private:
    RedirectGroup build(const ValidRequest& request, std::uint16_t firstPort);
    void removeStaleFlows(const RedirectGroup& group);
    // Removes redirects in order; returns the refusal and keeps what it refused.
    std::optional<Error> remove(std::span<const Redirect> redirects);
    std::optional<Error> removeFromKernel(std::span<const Redirect> redirects);
    void releasePort(const Redirect& redirect);

    RequestValidator validator_;
    PortAllocator& ports_;
    NftBackend& nft_;
    RelayBackend& relays_;
    FlowTable& flows_;
    const PortFlows& portFlows_;
    std::vector<Redirect> retiring_;
    std::set<std::pair<net::Transport, net::Endpoint>> held_;
    GroupId nextId_ = 1;
};

} // namespace fwx::redirect
