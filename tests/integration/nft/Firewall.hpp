// The firewall under test: libfwx with its real kernel backends, in the lab's firewall
// namespace. Nothing here is faked; tests observe results with packets, netlink dumps of
// the nft table (TableDump), nft(8) and conntrack(8).
#pragma once

#include "conntrack/FlowTable.hpp"
#include "error/Error.hpp"
#include "lab/Lab.hpp"
#include "lab/SocketAddress.hpp"
#include "nft/Engine.hpp"
#include "redirect/KernelHost.hpp"
#include "redirect/PortAllocator.hpp"
#include "redirect/PortFlows.hpp"
#include "redirect/RelayBackend.hpp"
#include "redirect/Request.hpp"
#include "redirect/Service.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fwx::test {

// This harness drives the kernel-mode path only; the daemon's tests cover user mode.
class NoRelays final : public redirect::RelayBackend {
public:
    void addGroup(const redirect::RedirectGroup& /*group*/) override {
        throw Error(ErrorCode::NotSupported, "the nft harness has no user-mode relay");
    }
    void stopAdmitting(const redirect::Redirect& /*redirect*/) noexcept override {}
    void remove(const redirect::Redirect& /*redirect*/) noexcept override {}
};

class Firewall {
public:
    explicit Firewall(redirect::PortRange range = redirect::PortRange(41000, 41999),
                      unsigned maxPortsPerRequest = 64);

    // A request for redirects to targets, with the lab's internal address of their family.
    static redirect::Request requestTo(const std::vector<SocketAddress>& targets,
                                       net::Transport transport);
    // Opens a group through the Service and keeps it until close().
    const redirect::RedirectGroup& open(const redirect::Request& request);
    // Removes the group from the kernel; throws fwx::Error if the kernel refuses.
    void close(redirect::GroupId id);
    // The open group, nullptr if there is none of that id.
    const redirect::RedirectGroup* find(redirect::GroupId id) const;
    // The internal endpoint of redirect index of group, as a socket address.
    static SocketAddress internalOf(const redirect::RedirectGroup& group, std::size_t index = 0);

    nft::Engine& engine() noexcept { return engine_; }
    redirect::Service& service() noexcept { return service_; }

private:
    nft::Engine engine_;
    redirect::KernelHost host_;
    conntrack::FlowTable flows_;
    // Never seeded: no conntrack events feed it here, so the Service takes the slow way
    // (a conntrack dump) to find stale flows. The daemon's tests cover the event way.
    redirect::PortFlows portFlows_;
    redirect::PortAllocator ports_;
    NoRelays relays_;
    redirect::Service service_;
    std::map<redirect::GroupId, redirect::RedirectGroup> groups_;
};

// The elements of a set or map of table inet fwxd (one netlink dump, see TableDump), each
// as {"key": "cb007101 06000000 a0280000", and "key_end", "data", "objref", "comment",
// "timeout" (ms) when it has them}. Expired elements are not listed, as with nft list.
std::vector<nlohmann::json> nftElements(const std::string& set);
// Total number of elements over every set and map of table inet fwxd but helpers.
std::size_t nftElementCount();
// The names of table inet fwxd's objects of an NFT_OBJECT_* type (limit: single-use
// permissions; ct helper: helper assignments).
std::vector<std::string> nftObjects(std::uint32_t type);

} // namespace fwx::test
