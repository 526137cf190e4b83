#include "redirect/DataFilters.hpp"

#include "error/Error.hpp"

#include <fmt/format.h>

namespace fwx::redirect {

const DataFilter& DataFilters::add(const Owner& owner, const std::string& protocolGuid,
                                   const std::string& handler) {
    const Protocol& protocol = protocols_.get(protocolGuid); // UnknownProtocol
    if (protocol.spec.transport != net::Transport::Tcp) {
        throw Error(ErrorCode::NotSupported,
                    fmt::format("protocol {} is {}: data filters take TCP protocols only, since "
                                "a UDP flow has no socket of its own to hand over",
                                protocol.guid, net::toString(protocol.spec.transport)));
    }
    const auto it = filters_.find(protocol.guid);
    if (it != filters_.end() && it->second.owner.name != owner.name) {
        throw Error(ErrorCode::QuotaExceeded,
                    fmt::format("protocol {} has a data filter already, registered by {}: a "
                                "connection can be handed to one filter only",
                                protocol.guid, it->second.owner.name));
    }
    DataFilter filter{protocol.guid, owner, handler};
    return filters_.insert_or_assign(protocol.guid, std::move(filter)).first->second;
}

std::vector<std::string> DataFilters::ownerVanished(const std::string& ownerName) {
    std::vector<std::string> gone;
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

const DataFilter* DataFilters::find(const std::string& protocolGuid) const {
    if (protocolGuid.empty()) {
        return nullptr;
    }
    const auto it = filters_.find(protocolGuid);
    return it == filters_.end() ? nullptr : &it->second;
}

} // namespace fwx::redirect
