// Bad input of every kind, each from a client that owns what the call addresses: fwxd must
// answer with the named error and change nothing (the check after the step compares
// everything with the unchanged model).
#include "Calls.hpp"
#include "SoakDriver.hpp"

#include <fmt/format.h>

namespace fwx::test::soak {

namespace {

constexpr const char* InvalidArgument = "org.fwxd.Error.InvalidArgument";
constexpr const char* QuotaExceeded = "org.fwxd.Error.QuotaExceeded";
constexpr const char* NotSupported = "org.fwxd.Error.NotSupported";
constexpr const char* UnknownProtocol = "org.fwxd.Error.UnknownProtocol";
constexpr const char* AccessDenied = "org.fwxd.Error.AccessDenied";
// Answered by sd-bus before fwxd's code runs: a call whose arguments do not have the
// method's signature, and a call on an object that is not (or no longer) there.
constexpr const char* InvalidArgs = "org.freedesktop.DBus.Error.InvalidArgs";
constexpr const char* UnknownObject = "org.freedesktop.DBus.Error.UnknownObject";

std::string otherFamilyAddress(Family family) {
    return Lab::serverAddress(family == Family::V4 ? Family::V6 : Family::V4);
}

} // namespace

// A fault: what is wrong, the error it must get, and the call that makes it.
struct SoakDriver::Fault {
    std::string what;
    std::string error;
    std::function<void()> call;
};

// Text that is no address: letters fwxd's parser never accepts first.
std::string SoakDriver::garbage() {
    static constexpr std::string_view alphabet = "xyz0123456789.:/-[] %";
    std::string text = "x";
    for (std::size_t i = 0, n = below(16); i < n; ++i) {
        text += alphabet[below(alphabet.size())];
    }
    return text;
}

SoakDriver::Fault SoakDriver::badSessionOptions(Client& client) {
    const Family family = chance(0.5) ? Family::V4 : Family::V6;
    const std::string clientAddress = Lab::clientAddress(family);
    const std::string server = Lab::serverAddress(family);
    const auto primary = [&](std::string transport, std::string from, std::uint16_t clientPort,
                             std::string to) {
        return Options{{"PrimaryConnection",
                        sdbus::Variant(PrimaryStruct(std::move(transport), std::move(from),
                                                     clientPort, std::move(to), 21))}};
    };
    std::vector<std::pair<std::string, Options>> cases{
        {"unknown key", {{garbage(), sdbus::Variant(std::string("blue"))}}},
        {"Description of type u", {{"Description", sdbus::Variant(std::uint32_t{1})}}},
        {"PrimaryConnection of type s", {{"PrimaryConnection", sdbus::Variant(clientAddress)}}},
        {"primary transport",
         primary(pick(std::vector<std::string>{"sctp", "TCP", ""}), clientAddress, 40000, server)},
        {"primary client address", primary("tcp", garbage(), 40000, server)},
        {"primary of mixed families",
         chance(0.5) ? primary("tcp", clientAddress, 40000, otherFamilyAddress(family))
                     : primary("tcp", otherFamilyAddress(family), 40000, server)},
        {"primary client port 0", primary("tcp", clientAddress, 0, server)},
        {"primary with a family member (sssqsq)",
         {{"PrimaryConnection",
           sdbus::Variant(sdbus::Struct<std::string, std::string, std::string, std::uint16_t,
                                        std::string, std::uint16_t>(
               "tcp", family == Family::V4 ? "ipv4" : "ipv6", clientAddress, 40000, server, 21))}}},
    };
    auto chosen = pick(cases);
    return {"OpenSession: " + chosen.first, InvalidArgument,
            [&client, options = std::move(chosen.second)] {
                client.bus->openSession(options);
            }};
}

// One bad thing in an otherwise valid request of one target.
SoakDriver::Fault SoakDriver::badRedirect(Client& client, const sdbus::ObjectPath& session) {
    PlannedRedirect plan = planRedirect(session);
    plan.targets.resize(1);
    const Family family = plan.family;
    RedirectRequest& r = plan.request;
    std::string what;
    std::string error = InvalidArgument;
    const std::vector<std::string> special{
        "255.255.255.255", "127.0.0.1", "0.0.0.0", "224.0.0.1", "169.254.1.1",
        "fe80::1",         "::1",       "::",      "ff02::1",   "::ffff:192.0.2.2"};
    switch (below(20)) {
    case 0:
        what = "no targets";
        plan.targets.clear();
        break;
    case 1:
        what = "target address";
        plan.targets[0] = ConnectAddress(garbage(), 21000);
        break;
    case 2:
        what = "target port 0";
        plan.targets[0] = ConnectAddress(plan.targets[0].get<0>(), 0);
        break;
    case 3:
        what = "a special target";
        plan.targets[0] = ConnectAddress(pick(special), 80);
        break;
    case 4:
        what = "fwxd's internal address as the target";
        plan.targets[0] = ConnectAddress(Lab::internalAddress(family), 41000);
        break;
    case 5:
        what = "protocol";
        r.protocol = pick(std::vector<std::string>{"sctp", "TCP", "Udp", "", "tcp "});
        break;
    case 6:
        what = "an unknown flag bit";
        r.flags |= 1U << (3 + below(29));
        break;
    case 7:
        what = "an unknown option";
        r.options[garbage()] = sdbus::Variant(true);
        break;
    case 8:
        what = "Timeout of another type";
        r.flags |= TimeoutFlag;
        r.options["Timeout"] = chance(0.5) ? sdbus::Variant(std::string("1s"))
                                           : sdbus::Variant(std::uint32_t{1'000'000});
        break;
    case 9:
        what = "Timeout without TIMEOUT";
        r.flags &= ~TimeoutFlag;
        r.options["Timeout"] = sdbus::Variant(std::uint64_t{1'000'000});
        break;
    case 10:
        what = "Timeout out of range";
        r.flags |= TimeoutFlag;
        r.options["Timeout"] = sdbus::Variant(
            chance(0.5) ? std::uint64_t{0}
                        : std::uint64_t{context_.settings.maxTimeoutSec} * 1'000'000 + 1);
        break;
    case 11:
        what = "AllowedSource";
        r.options["AllowedSource"] = pick(std::vector<sdbus::Variant>{
            sdbus::Variant(garbage()), sdbus::Variant(std::string("192.0.2.1/24")),
            sdbus::Variant(otherFamilyAddress(family)), sdbus::Variant(std::uint32_t{24})});
        break;
    case 12:
        what = "targets of mixed families";
        plan.targets.emplace_back(otherFamilyAddress(family), 21000);
        break;
    case 13:
        what = "internal_address";
        r.internalAddress = pick(std::vector<std::string>{
            family == Family::V4 ? "203.0.113.99" : "2001:db8:1::99",
            Lab::internalAddress(family == Family::V4 ? Family::V6 : Family::V4), garbage()});
        break;
    case 14:
        what = "proxy_external_address";
        r.proxyExternalAddress = pick(std::vector<std::string>{
            family == Family::V4 ? "198.51.100.222" : "2001:db8:5::222",
            Lab::proxyAddress(family == Family::V4 ? Family::V6 : Family::V4), garbage()});
        break;
    case 15:
        what = "more targets than MaxPortsPerRequest";
        plan.targets.assign(context_.settings.maxPortsPerRequest + 1 + below(4), plan.targets[0]);
        error = QuotaExceeded;
        break;
    case 16:
        what = "NO_KERNEL_MODE with RequireExpectation";
        r.flags |= 0x4U;
        r.options["RequireExpectation"] = sdbus::Variant(true);
        error = NotSupported;
        break;
    case 17:
        what = "RequireExpectation without a helped primary";
        r.options["RequireExpectation"] = sdbus::Variant(true);
        error = NotSupported;
        break;
    case 18:
        what = "an unregistered protocol GUID";
        r.protocolGuid = randomGuid();
        error = UnknownProtocol;
        break;
    default:
        what = "a malformed protocol GUID";
        r.protocolGuid = garbage();
        break;
    }
    return {"RedirectConnections: " + what, error, [&client, plan] {
                client.bus->redirectUnsubscribed(plan.session, plan.targets, plan.request);
            }};
}

SoakDriver::Fault SoakDriver::badProtocol(Client& client) {
    Options spec = protocolSpec(chance(0.5) ? net::Transport::Tcp : net::Transport::Udp);
    std::string guid = randomGuid();
    std::string what;
    switch (below(9)) {
    case 7:
        what = "Servers without a Helper";
        spec["Servers"] = sdbus::Variant(std::vector<std::string>{Lab::serverAddress(Family::V4)});
        break;
    case 8:
        // Attaching a kernel helper is an administrator's act; the spec is valid otherwise.
        if (client.uid != 0) {
            spec["Transport"] = sdbus::Variant(std::string("tcp"));
            spec["Helper"] = sdbus::Variant(std::string("ftp"));
            spec["Servers"] =
                sdbus::Variant(std::vector<std::string>{Lab::serverAddress(Family::V4)});
            return {"RegisterProtocol: a Helper from a user who is not an administrator",
                    AccessDenied, [&client, guid, spec] {
                        client.bus->firewall().RegisterProtocol(guid, spec);
                    }};
        }
        what = "a malformed GUID";
        guid = garbage();
        break;
    case 0:
        what = "a malformed GUID";
        guid = garbage();
        break;
    case 1:
        what = "an unknown key";
        spec[garbage()] = sdbus::Variant(std::string("x"));
        break;
    case 2:
        what = "Transport";
        chance(0.5) ? static_cast<void>(spec.erase("Transport"))
                    : static_cast<void>(spec["Transport"] = sdbus::Variant(std::string("sctp")));
        break;
    case 3:
        what = "Name";
        spec["Name"] =
            chance(0.5) ? sdbus::Variant(std::string()) : sdbus::Variant(std::uint32_t{1});
        break;
    case 4:
        what = "PrimaryPorts";
        spec["PrimaryPorts"] = chance(0.5) ? sdbus::Variant(std::vector<std::uint16_t>{21, 0})
                                           : sdbus::Variant(std::vector<std::string>{"21"});
        break;
    case 5:
        if (!model_.protocols.empty()) {
            what = "a GUID already registered";
            guid = model_.protocols.begin()->first;
            break;
        }
        [[fallthrough]];
    default:
        return {"UnregisterProtocol: an unregistered GUID", UnknownProtocol, [&client, guid] {
                    client.bus->firewall().UnregisterProtocol(guid);
                }};
    }
    return {"RegisterProtocol: " + what, InvalidArgument, [&client, guid, spec] {
                client.bus->firewall().RegisterProtocol(guid, spec);
            }};
}

// Calls sd-bus refuses for fwxd: another signature, an object that is gone.
SoakDriver::Fault SoakDriver::badCall(Client& client) {
    const std::size_t variant = below(4);
    if (variant == 0 && !model_.gone.empty()) {
        const ModelAction& gone = model_.gone.at(below(model_.gone.size()));
        return {"Cancel of an action that is gone", UnknownObject, [&client, path = gone.path] {
                    callMethod(*client.bus, path, "org.fwxd.Action1", "Cancel");
                }};
    }
    if (variant == 1 && !model_.gone.empty()) {
        const ModelAction& gone = model_.gone.at(below(model_.gone.size()));
        if (!model_.sessions.contains(gone.session)) {
            return {"Close of a session that is gone", UnknownObject,
                    [&client, path = gone.session] {
                        callMethod(*client.bus, path, "org.fwxd.Session1", "Close");
                    }};
        }
    }
    if (variant == 2) {
        return {"RegisterProtocol with the signature ss", InvalidArgs, [&client] {
                    auto proxy =
                        sdbus::createProxy(client.bus->connection(), FwxdName, FirewallPath);
                    proxy->callMethod("RegisterProtocol")
                        .onInterface("org.fwxd.Firewall1")
                        .withArguments(std::string("6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
                                       std::string("Name"));
                }};
    }
    return {"OpenSession with the signature s", InvalidArgs, [&client] {
                auto proxy = sdbus::createProxy(client.bus->connection(), FwxdName, FirewallPath);
                sdbus::ObjectPath path;
                proxy->callMethod("OpenSession")
                    .onInterface("org.fwxd.Firewall1")
                    .withArguments(std::string("Description"))
                    .storeResultsTo(path);
            }};
}

void SoakDriver::badArguments() {
    ran_ = "bad-arguments";
    Client& client = randomSlot();
    const std::vector<sdbus::ObjectPath> sessions = sessionsWithRoom(client, 2);
    Fault fault;
    const std::size_t kind = below(10);
    if (kind < 5 && !sessions.empty()) {
        fault = badRedirect(client, pick(sessions));
    } else if (kind < 7) {
        fault = badSessionOptions(client);
    } else if (kind < 9) {
        fault = badProtocol(client);
    } else {
        fault = badCall(client);
    }
    current_ = fmt::format("bad arguments: client {}: {}", client.id, fault.what);
    ++tally_.badArguments;
    expectError(fault.call, fault.error, current_);
}

} // namespace fwx::test::soak
