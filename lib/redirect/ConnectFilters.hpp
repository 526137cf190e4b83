#pragma once

#include "redirect/Owner.hpp"
#include "redirect/ProtocolRegistry.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace fwx::redirect {

using FilterId = std::uint64_t;

// A connect filter: its owner hears of every new redirect of one registered protocol
// (RedirectCreated) and of the connections through them.
struct ConnectFilter {
    FilterId id = 0;
    std::string protocolGuid;
    Owner owner;
};

// The registered connect filters. Who may register one is the caller's decision (the
// daemon lets administrators); a filter lasts until it is removed or its owner leaves.
class ConnectFilters {
public:
    // A bus connection holds at most this many: enough for one per protocol it serves.
    static constexpr std::size_t MaxPerOwner = 64;

    explicit ConnectFilters(const ProtocolRegistry& protocols)
        : protocols_(protocols) {}

    // Throws fwx::Error: UnknownProtocol for a GUID that is not registered, QuotaExceeded
    // past MaxPerOwner.
    const ConnectFilter& add(const Owner& owner, const std::string& protocolGuid);
    // Throws fwx::Error(InvalidArgument) for an unknown id.
    void remove(FilterId id);
    // Removes every filter of a bus connection that left; returns their ids.
    std::vector<FilterId> ownerVanished(const std::string& ownerName);

    const ConnectFilter* find(FilterId id) const;
    // The bus names to tell about a redirect of protocolGuid, each once.
    std::vector<std::string> ownersOf(const std::string& protocolGuid) const;
    const std::map<FilterId, ConnectFilter>& all() const noexcept { return filters_; }

private:
    const ProtocolRegistry& protocols_;
    std::map<FilterId, ConnectFilter> filters_;
    FilterId nextId_ = 1;
};

} // namespace fwx::redirect
