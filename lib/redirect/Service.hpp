#pragma once

#include "redirect/FlowTable.hpp"
#include "redirect/NftBackend.hpp"
#include "redirect/PortAllocator.hpp"
#include "redirect/Redirect.hpp"
#include "redirect/Request.hpp"
#include "redirect/RequestValidator.hpp"

#include <cstddef>
#include <map>
#include <span>

namespace fwx::redirect {

// Decides what the kernel must do for redirect requests and remembers what it programmed.
// The backends only execute: the nft side programs a whole group in one transaction, the
// flow table forgets connections that would bypass it. A request either ends with its
// group fully programmed or leaves nothing behind (ports, kernel state).
class Service {
public:
    Service(RequestValidator validator, PortAllocator& ports, NftBackend& nft, FlowTable& flows);
    // Removes every group still open; errors are swallowed (the owned nft table goes
    // with the process anyway).
    ~Service();
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    // Validates the request, allocates N consecutive ports and programs them. Throws
    // fwx::Error (InvalidArgument, NotSupported, PortsExhausted, Failed).
    const RedirectGroup& open(const Request& request);
    // Removes what is left of the group from the kernel and frees its ports. Throws
    // InvalidArgument for an unknown id, Failed if the kernel refuses (the group then
    // stays, still programmed).
    void close(GroupId id);
    // Removes one redirect of a group (the one on port internal), in one transaction, and
    // frees its port; the group goes when its last redirect does. Same errors as close().
    void closeRedirect(GroupId id, const net::Endpoint& internal);

    const RedirectGroup* find(GroupId id) const;
    const std::map<GroupId, RedirectGroup>& groups() const noexcept { return groups_; }
    std::size_t activeRedirects() const noexcept;

private:
    RedirectGroup build(const ValidRequest& request, std::uint16_t firstPort);
    void program(const RedirectGroup& group);
    void unprogram(std::span<const Redirect> redirects);
    std::map<GroupId, RedirectGroup>::iterator findOrThrow(GroupId id);
    void releasePorts(const RedirectGroup& group);

    RequestValidator validator_;
    PortAllocator& ports_;
    NftBackend& nft_;
    FlowTable& flows_;
    std::map<GroupId, RedirectGroup> groups_;
    GroupId nextId_ = 1;
};

} // namespace fwx::redirect
