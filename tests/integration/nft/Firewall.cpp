#include "Firewall.hpp"

#include "lab/Nft.hpp"

namespace fwx::test {

namespace {
redirect::ValidatorLimits labLimits() {
    redirect::ValidatorLimits limits;
    limits.internalAddresses = {net::Address::parse(Lab::internalAddress(Family::V4)),
                                net::Address::parse(Lab::internalAddress(Family::V6))};
    return limits;
}
} // namespace

Firewall::Firewall(redirect::PortRange range)
    : portFlows_(range, 0)
    , ports_(range, host_)
    , service_(redirect::RequestValidator(labLimits(), host_), ports_, engine_, flows_,
               portFlows_) {
}

redirect::Request Firewall::requestTo(const std::vector<SocketAddress>& targets,
                                      net::Transport transport) {
    redirect::Request request;
    for (const SocketAddress& target : targets) {
        request.targets.push_back(
            net::Endpoint{net::Address::parse(target.address()), target.port()});
    }
    request.transport = transport;
    return request;
}

const redirect::RedirectGroup& Firewall::open(const redirect::Request& request) {
    redirect::RedirectGroup group = service_.open(request);
    const redirect::GroupId id = group.id;
    return groups_.emplace(id, std::move(group)).first->second;
}

void Firewall::close(redirect::GroupId id) {
    const auto it = groups_.find(id);
    if (it == groups_.end()) {
        throw std::logic_error("no open group " + std::to_string(id));
    }
    if (auto refusal = service_.retire(it->second.redirects)) {
        throw *refusal;
    }
    groups_.erase(it);
}

const redirect::RedirectGroup* Firewall::find(redirect::GroupId id) const {
    const auto it = groups_.find(id);
    return it == groups_.end() ? nullptr : &it->second;
}

SocketAddress Firewall::internalOf(const redirect::RedirectGroup& group, std::size_t index) {
    const net::Endpoint& internal = group.redirects.at(index).internal;
    return SocketAddress(internal.address.toString(), internal.port);
}

// Sets and maps are listed one by one: nft 1.0.6 prints garbage for the owner flag in
// `nft -j list table`, so the table's JSON cannot be parsed.
std::vector<nlohmann::json> nftElements(const std::string& set) {
    const bool isMap = set.starts_with("dnat_") || set.starts_with("snat_");
    const nlohmann::json listing = nftJson(isMap ? "map" : "set", "inet", "fwxd", set);
    for (const auto& item : listing.at("nftables")) {
        const char* kind = isMap ? "map" : "set";
        if (item.contains(kind)) {
            const auto& object = item[kind];
            return object.contains("elem") ? object["elem"].get<std::vector<nlohmann::json>>()
                                           : std::vector<nlohmann::json>{};
        }
    }
    throw std::runtime_error("nft listed no " + set);
}

std::size_t nftElementCount() {
    std::size_t count = 0;
    for (const char* family : {"v4", "v6"}) {
        for (const char* kind :
             {"ports_", "dnat_", "once_", "multi_", "open_", "client_", "source_", "snat_"}) {
            count += nftElements(std::string(kind) + family).size();
        }
    }
    return count;
}

} // namespace fwx::test
