#include "redirect/ConnectFilters.hpp"

#include "error/Error.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace fwx::redirect {

const ConnectFilter& ConnectFilters::add(const Owner& owner, const std::string& protocolGuid) {
    const Protocol& protocol = protocols_.get(protocolGuid); // UnknownProtocol
    const auto held = std::count_if(filters_.begin(), filters_.end(), [&](const auto& entry) {
        return entry.second.owner.name == owner.name;
    });
    if (static_cast<std::size_t>(held) >= MaxPerOwner) {
        throw Error(ErrorCode::QuotaExceeded,
                    fmt::format("{} holds {} connect filters already, the most one bus "
                                "connection may hold",
                                owner.name, MaxPerOwner));
    }
    const FilterId id = nextId_++;
    return filters_.emplace(id, ConnectFilter{id, protocol.guid, owner}).first->second;
}

void ConnectFilters::remove(FilterId id) {
    if (filters_.erase(id) == 0) {
        throwInvalid(fmt::format("no connect filter {}", id));
    }
}

std::vector<FilterId> ConnectFilters::ownerVanished(const std::string& ownerName) {
    std::vector<FilterId> gone;
    for (auto it = filters_.begin(); it != filters_.end();) {
        if (it->second.owner.name == ownerName) {
            gone.push_back(it->first);
            it = filters_.erase(it);
        } else {
            ++it;
        }
    }
    return gone;
}

const ConnectFilter* ConnectFilters::find(FilterId id) const {
    const auto it = filters_.find(id);
    return it == filters_.end() ? nullptr : &it->second;
}

std::vector<std::string> ConnectFilters::ownersOf(const std::string& protocolGuid) const {
    std::vector<std::string> owners;
    if (protocolGuid.empty()) {
        return owners;
    }
    for (const auto& [id, filter] : filters_) {
        if (filter.protocolGuid == protocolGuid &&
            std::find(owners.begin(), owners.end(), filter.owner.name) == owners.end()) {
            owners.push_back(filter.owner.name);
        }
    }
    return owners;
}

} // namespace fwx::redirect
