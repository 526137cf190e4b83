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
    : ports_(range, host_)
    , service_(redirect::RequestValidator(labLimits(), host_), ports_, engine_, flows_) {}

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
    return service_.open(request);
}

SocketAddress Firewall::internalOf(const redirect::RedirectGroup& group, std::size_t index) {
    const net::Endpoint& internal = group.redirects.at(index).internal;
    return SocketAddress(internal.address.toString(), internal.port);
}

std::vector<nlohmann::json> nftElements(const std::string& set) {
    const nlohmann::json listing = nftJson("table", "inet", "fwxd");
    for (const auto& item : listing.at("nftables")) {
        for (const char* kind : {"set", "map"}) {
            if (item.contains(kind) && item[kind].at("name") == set) {
                const auto& object = item[kind];
                if (!object.contains("elem")) {
                    return {};
                }
                return object["elem"].get<std::vector<nlohmann::json>>();
            }
        }
    }
    throw std::runtime_error("table inet fwxd has no set or map " + set);
}

std::size_t nftElementCount() {
    std::size_t count = 0;
    const nlohmann::json listing = nftJson("table", "inet", "fwxd");
    for (const auto& item : listing.at("nftables")) {
        for (const char* kind : {"set", "map"}) {
            if (item.contains(kind) && item[kind].contains("elem")) {
                count += item[kind]["elem"].size();
            }
        }
    }
    return count;
}

} // namespace fwx::test
