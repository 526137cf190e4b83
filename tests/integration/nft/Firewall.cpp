#include "Firewall.hpp"

#include "TableDump.hpp"

#include <fmt/format.h>

namespace fwx::test {

namespace {
redirect::ValidatorLimits labLimits(unsigned maxPortsPerRequest) {
    redirect::ValidatorLimits limits;
    limits.maxPortsPerRequest = maxPortsPerRequest;
    limits.internalAddresses = {net::Address::parse(Lab::internalAddress(Family::V4)),
                                net::Address::parse(Lab::internalAddress(Family::V6))};
    return limits;
}
} // namespace

Firewall::Firewall(redirect::PortRange range, unsigned maxPortsPerRequest)
    : portFlows_(range, 0)
    , ports_(range, host_)
    , service_(redirect::RequestValidator(labLimits(maxPortsPerRequest), host_), ports_, engine_,
               relays_, flows_, portFlows_) {
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

namespace {
// "cb007101 06000000 a0280000": the kernel's bytes in 32-bit words, as nft --debug shows them.
std::string hex(const std::vector<std::uint8_t>& bytes) {
    std::string text;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        text += fmt::format("{}{:02x}", i > 0 && i % 4 == 0 ? " " : "", bytes[i]);
    }
    return text;
}
} // namespace

std::vector<nlohmann::json> nftElements(const std::string& set) {
    std::vector<nlohmann::json> listed;
    for (const TableDump::Element& e : TableDump().elements(set)) {
        nlohmann::json element{{"key", hex(e.key)}};
        if (!e.keyEnd.empty()) {
            element["key_end"] = hex(e.keyEnd);
        }
        if (!e.data.empty()) {
            element["data"] = hex(e.data);
        }
        if (!e.objref.empty()) {
            element["objref"] = e.objref;
        }
        if (!e.comment.empty()) {
            element["comment"] = e.comment;
        }
        if (e.timeoutMs) {
            element["timeout"] = *e.timeoutMs;
        }
        listed.push_back(std::move(element));
    }
    return listed;
}

std::vector<std::string> nftObjects(std::uint32_t type) {
    return TableDump().objects(type);
}

std::size_t nftElementCount() {
    const TableDump table;
    std::size_t count = 0;
    for (const char* family : {"v4", "v6"}) {
        for (const char* kind : {"ports_", "dnat_", "once_", "once_limits_", "multi_", "open_",
                                 "client_", "source_", "snat_"}) {
            count += table.elements(std::string(kind) + family).size();
        }
    }
    return count;
}

} // namespace fwx::test
