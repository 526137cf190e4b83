#pragma once

#include "redirect/ProtocolRegistry.hpp"
#include "redirect/Request.hpp"
#include "redirect/Session.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

namespace fwx::daemon {

// The D-Bus types of the contract (dbus/*.xml), as sdbus-c++ maps them.
using Options = std::map<std::string, sdbus::Variant>;
using ConnectAddress = sdbus::Struct<std::string, std::uint16_t>;
// (transport, client address, client port, server address, server port), before NAT; the
// family is the addresses'.
using PrimaryConnectionStruct =
    sdbus::Struct<std::string, std::string, std::uint16_t, std::string, std::uint16_t>;

// RedirectConnections' arguments, turned into a domain request.
struct RedirectArguments {
    redirect::Request request;
    std::optional<sdbus::Variant> context; // echoed in the actions' signals
    bool requireExpectation = false;
};

// Each parser throws fwx::Error(InvalidArgument) whose message starts with the D-Bus
// argument or option at fault ("connect_addresses[1]: ...", "options: Timeout ...").
// Unknown option keys are refused too: a misspelt option must not be silently ignored.
RedirectArguments parseRedirectArguments(const std::vector<ConnectAddress>& connectAddresses,
                                         const std::string& internalAddress,
                                         const std::string& proxyExternalAddress,
                                         const std::string& protocol, std::uint32_t flags,
                                         const Options& options);
redirect::SessionOptions parseSessionOptions(const Options& options);
redirect::ProtocolSpec parseProtocolSpec(const Options& spec);
// A registered protocol as Firewall1.Protocols lists it: the spec's keys, Owner, RegisteredBy.
Options describeProtocol(const redirect::Protocol& protocol);

PrimaryConnectionStruct toStruct(const std::optional<redirect::PrimaryConnection>& primary);

} // namespace fwx::daemon
