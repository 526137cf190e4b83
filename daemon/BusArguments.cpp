#include "daemon/BusArguments.hpp"

#include "error/Error.hpp"
#include "net/Address.hpp"
#include "net/Endpoint.hpp"
#include "net/Prefix.hpp"
#include "net/Transport.hpp"

#include <chrono>
#include <set>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace fwx::daemon {

namespace {

// Runs parse and prefixes an InvalidArgument message with where the bad value was.
template <typename Parse> auto at(const std::string& where, Parse&& parse) {
    try {
        return parse();
    } catch (const Error& e) {
        if (e.code() != ErrorCode::InvalidArgument) {
            throw;
        }
        throwInvalid(fmt::format("{}: {}", where, e.what()));
    }
}

void refuseUnknownKeys(const std::string& argument, const Options& options,
                       const std::set<std::string_view>& known) {
    for (const auto& [key, value] : options) {
        if (!known.contains(key)) {
            throwInvalid(fmt::format("{}: unknown key \"{}\" (known: {})", argument, key,
                                     fmt::join(known, ", ")));
        }
    }
}

// The value of key if present; InvalidArgument if it has another D-Bus type.
template <typename T>
std::optional<T> optionOf(const std::string& argument, const Options& options,
                          const std::string& key) {
    const auto it = options.find(key);
    if (it == options.end()) {
        return std::nullopt;
    }
    const std::string expected = sdbus::signature_of<T>::str();
    if (!it->second.containsValueOfType<T>()) {
        throwInvalid(fmt::format("{}: {} must be of D-Bus type \"{}\", not \"{}\"", argument, key,
                                 expected, it->second.peekValueType()));
    }
    return it->second.get<T>();
}

std::vector<net::Endpoint> parseTargets(const std::vector<ConnectAddress>& connectAddresses) {
    std::vector<net::Endpoint> targets;
    for (std::size_t i = 0; i < connectAddresses.size(); ++i) {
        const std::string& address = std::get<0>(connectAddresses[i]);
        const std::uint16_t port = std::get<1>(connectAddresses[i]);
        targets.push_back(at(fmt::format("connect_addresses[{}]", i), [&] {
            if (port == 0) {
                throwInvalid(fmt::format("port 0 of {} is not a port to connect to", address));
            }
            return net::Endpoint{net::Address::parse(address), port};
        }));
    }
    return targets;
}

std::optional<net::Address> optionalAddress(const std::string& argument, const std::string& text) {
    if (text.empty()) {
        return std::nullopt;
    }
    return at(argument, [&] { return net::Address::parse(text); });
}

void parseRedirectOptions(const Options& options, RedirectArguments& arguments) {
    refuseUnknownKeys("options", options,
                      {"AllowedSource", "Context", "RequireExpectation", "Timeout"});
    if (const auto timeout = optionOf<std::uint64_t>("options", options, "Timeout")) {
        if (*timeout == 0) {
            throwInvalid("options: Timeout must be more than 0 µs");
        }
        arguments.request.timeout = std::chrono::microseconds(
            *timeout > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(*timeout));
    }
    if (const auto source = optionOf<std::string>("options", options, "AllowedSource")) {
        arguments.request.allowedSource =
            at("options: AllowedSource", [&] { return net::Prefix::parse(*source); });
    }
    if (const auto it = options.find("Context"); it != options.end()) {
        arguments.context = it->second;
    }
    arguments.requireExpectation =
        optionOf<bool>("options", options, "RequireExpectation").value_or(false);
}

net::Endpoint endpointOf(const std::string& what, const std::string& address, std::uint16_t port) {
    return at(what, [&] { return net::Endpoint{net::Address::parse(address), port}; });
}

// The family is the addresses': a struct member of its own could only disagree with them.
redirect::PrimaryConnection parsePrimary(const PrimaryConnectionStruct& value) {
    const std::string& transport = std::get<0>(value);
    const std::string& clientAddress = std::get<1>(value);
    const std::uint16_t clientPort = std::get<2>(value);
    const std::string& serverAddress = std::get<3>(value);
    const std::uint16_t serverPort = std::get<4>(value);
    redirect::PrimaryConnection primary;
    primary.transport =
        at("options: PrimaryConnection transport", [&] { return net::parseTransport(transport); });
    primary.client = endpointOf("options: PrimaryConnection client", clientAddress, clientPort);
    primary.server = endpointOf("options: PrimaryConnection server", serverAddress, serverPort);
    if (primary.client.family() != primary.server.family()) {
        throwInvalid(
            fmt::format("options: PrimaryConnection: the client address {} is {} and the "
                        "server address {} is {}; both must be of one family",
                        primary.client.address.toString(), net::toString(primary.client.family()),
                        primary.server.address.toString(), net::toString(primary.server.family())));
    }
    if (clientPort == 0 || serverPort == 0) {
        throwInvalid("options: PrimaryConnection: ports must not be 0");
    }
    return primary;
}

} // namespace

RedirectArguments parseRedirectArguments(const std::vector<ConnectAddress>& connectAddresses,
                                         const std::string& internalAddress,
                                         const std::string& proxyExternalAddress,
                                         const std::string& protocol, std::uint32_t flags,
                                         const Options& options) {
    RedirectArguments arguments;
    redirect::Request& request = arguments.request;
    request.targets = parseTargets(connectAddresses);
    request.internalAddress = optionalAddress("internal_address", internalAddress);
    request.proxyExternalAddress = optionalAddress("proxy_external_address", proxyExternalAddress);
    request.transport = at("protocol", [&] { return net::parseTransport(protocol); });
    request.flags = flags;
    parseRedirectOptions(options, arguments);
    return arguments;
}

redirect::SessionOptions parseSessionOptions(const Options& options) {
    refuseUnknownKeys("options", options, {"Description", "PrimaryConnection"});
    redirect::SessionOptions session;
    session.description = optionOf<std::string>("options", options, "Description").value_or("");
    if (const auto primary =
            optionOf<PrimaryConnectionStruct>("options", options, "PrimaryConnection")) {
        session.primary = parsePrimary(*primary);
    }
    return session;
}

redirect::ProtocolSpec parseProtocolSpec(const Options& spec) {
    refuseUnknownKeys("spec", spec, {"Helper", "Name", "PrimaryPorts", "Servers", "Transport"});
    redirect::ProtocolSpec protocol;
    protocol.name = optionOf<std::string>("spec", spec, "Name").value_or("");
    const auto transport = optionOf<std::string>("spec", spec, "Transport");
    if (!transport) {
        throwInvalid("spec: Transport is required (\"tcp\" or \"udp\")");
    }
    protocol.transport = at("spec: Transport", [&] { return net::parseTransport(*transport); });
    protocol.primaryPorts = optionOf<std::vector<std::uint16_t>>("spec", spec, "PrimaryPorts")
                                .value_or(std::vector<std::uint16_t>{});
    protocol.helper = optionOf<std::string>("spec", spec, "Helper").value_or("");
    const auto servers = optionOf<std::vector<std::string>>("spec", spec, "Servers");
    for (std::size_t i = 0; servers && i < servers->size(); ++i) {
        protocol.servers.push_back(at(fmt::format("spec: Servers[{}]", i),
                                      [&] { return net::Prefix::parse((*servers)[i]); }));
    }
    return protocol;
}

Options describeProtocol(const redirect::Protocol& protocol) {
    std::vector<std::string> servers;
    for (const net::Prefix& server : protocol.spec.servers) {
        servers.push_back(server.toString());
    }
    return {
        {"Name", sdbus::Variant(protocol.spec.name)},
        {"Transport", sdbus::Variant(std::string(net::toString(protocol.spec.transport)))},
        {"PrimaryPorts", sdbus::Variant(protocol.spec.primaryPorts)},
        {"Helper", sdbus::Variant(protocol.spec.helper)},
        {"Servers", sdbus::Variant(servers)},
        {"Owner", sdbus::Variant(protocol.ownerUid)},
        {"RegisteredBy", sdbus::Variant(protocol.registeredBy)},
    };
}

PrimaryConnectionStruct toStruct(const std::optional<redirect::PrimaryConnection>& primary) {
    if (!primary) {
        return {};
    }
    return {std::string(net::toString(primary->transport)), primary->client.address.toString(),
            primary->client.port, primary->server.address.toString(), primary->server.port};
}

} // namespace fwx::daemon
