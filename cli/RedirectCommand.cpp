// fwxctl redirect: opens a session, asks for N redirects, prints where the client must
// connect and then every event of those redirects (cli/RedirectWatch.hpp), until
// Ctrl-C/SIGTERM (or, with --exit-when-done, until fwxd reported every redirect Finished:
// it admits nothing more and every connection through it has ended). Closes the session on the way
// out.
#include "cli/Arguments.hpp"
#include "cli/Bus.hpp"
#include "cli/Commands.hpp"
#include "cli/Duration.hpp"
#include "cli/ExitCodes.hpp"
#include "cli/Failure.hpp"
#include "cli/Output.hpp"
#include "cli/Proxies.hpp"
#include "cli/RedirectWatch.hpp"
#include "net/Address.hpp"
#include "net/Endpoint.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace fwx::cli {

namespace {

constexpr std::uint32_t AllowMultiple = 0x1;
constexpr std::uint32_t Timeout = 0x2;

struct Request {
    std::vector<sdbus::Struct<std::string, std::uint16_t>> targets;
    std::uint32_t flags = 0;
    Properties options;
};

Request buildRequest(const RedirectOptions& options) {
    Request request;
    for (const std::string& text : options.targets) {
        const net::Endpoint target = net::Endpoint::parse(text);
        request.targets.emplace_back(target.address.toString(), target.port);
    }
    if (options.multiple) {
        request.flags |= AllowMultiple;
    }
    if (!options.timeout.empty()) {
        request.flags |= Timeout;
        request.options["Timeout"] =
            sdbus::Variant(static_cast<std::uint64_t>(parseDuration(options.timeout).count()));
    }
    if (!options.source.empty()) {
        request.options["AllowedSource"] = sdbus::Variant(options.source);
    }
    return request;
}

// How long fwxctl waits, after closing its session on a signal, for the ends of its
// redirects.
constexpr std::chrono::milliseconds EndsAfterClose{5000};

// Session1's PrimaryConnection (ssqsq).
sdbus::Variant primaryOption(const PrimaryArgument& primary) {
    using Primary =
        sdbus::Struct<std::string, std::string, std::uint16_t, std::string, std::uint16_t>;
    return sdbus::Variant(Primary(std::string(net::toString(primary.transport)),
                                  primary.client.address.toString(), primary.client.port,
                                  primary.server.address.toString(), primary.server.port));
}

std::string endpointText(const std::string& address, std::uint16_t port) {
    return net::Endpoint{net::Address::parse(address), port}.toString();
}

void printAllocation(const Output& out, const std::string& session, const std::string& protocol,
                     const std::string& internal, std::uint16_t basePort,
                     const std::vector<sdbus::ObjectPath>& actions, const Request& request) {
    Json list = Json::array();
    for (std::size_t i = 0; i < actions.size(); ++i) {
        const auto port = static_cast<std::uint16_t>(basePort + i);
        const auto& target = request.targets.at(i);
        const std::string from = endpointText(internal, port);
        const std::string to = endpointText(target.get<0>(), target.get<1>());
        if (out.json()) {
            list.push_back({{"action", std::string(actions[i])},
                            {"internal", from},
                            {"internal_port", port},
                            {"target", to}});
        } else {
            out.line(fmt::format("{} -> {}  {}", from, to, std::string(actions[i])));
        }
    }
    if (out.json()) {
        out.record({{"event", "allocated"},
                    {"session", session},
                    {"protocol", protocol},
                    {"internal_address", internal},
                    {"base_port", basePort},
                    {"actions", std::move(list)}});
    }
}

} // namespace

int runRedirect(const CommonOptions& common, const RedirectOptions& options) {
    const Output out(common.json);
    const Request request = buildRequest(options);
    const std::string protocol = options.udp ? "udp" : "tcp";

    const auto connection = connectBus(common.bus);
    BusLoop loop(*connection);
    FirewallProxy firewall(*connection);
    Properties sessionOptions;
    if (!options.description.empty()) {
        sessionOptions["Description"] = sdbus::Variant(options.description);
    }
    if (!options.primary.empty()) {
        sessionOptions["PrimaryConnection"] = primaryOption(parsePrimary(options.primary));
    }
    RedirectWatch watch(out, loop);
    watch.followService(*connection);
    const sdbus::ObjectPath sessionPath = firewall.OpenSession(sessionOptions);
    SessionProxy session(*connection, sessionPath);

    // The action paths exist only once RedirectConnections has returned, and with a very
    // short --timeout their Expired may already be on its way by then. No event can be lost
    // here, by construction rather than by luck: this process has one thread and no
    // sdbus-c++ event loop thread, so a message is only ever dispatched inside BusLoop. The
    // synchronous call (and the AddMatch calls of the proxies made right after it) leave
    // every other message they read in sd-bus's receive queue, and sd-bus matches a queued
    // message against the handlers registered when it is dispatched, i.e. after every
    // ActionProxy below exists. The signals are unicast to us, so the bus delivers them
    // whether or not our match rules were installed yet. (A connection-wide match on the
    // interface installed before the call would work too, but would duplicate the
    // per-action proxies the generated code gives us.)
    const auto [internal, basePort, actions] =
        session.RedirectConnections(request.targets, options.internal, options.via, protocol,
                                    request.flags, "", request.options);

    for (const auto& path : actions) {
        watch.add(*connection, path);
    }
    printAllocation(out, sessionPath, protocol, internal, basePort, actions, request);

    const BusLoop::End end = watch.run(options.exitWhenDone ? RedirectWatch::Goal::Finished
                                                            : RedirectWatch::Goal::Nothing);
    if (watch.serviceLeft()) {
        // Nothing to close: the session went with that fwxd, and its path may name another
        // client's session of the fwxd that replaced it.
        throw Failure("org.freedesktop.DBus.Error.ServiceUnknown",
                      "fwxd left the bus (stopped, restarted or crashed): its redirects are gone",
                      ExitCode::Unavailable);
    }
    if (end == BusLoop::End::Stopped) {
        // --exit-when-done: every redirect Finished (its last signal, it left the bus); the
        // Close below ends nothing more.
        watch.mute();
        session.Close();
        loop.drain();
        return toInt(ExitCode::Success);
    }
    // Ctrl-C/SIGTERM: closing the session ends the redirects that still admit connections,
    // and each end is printed (Expired "session-closed"). fwxd may send a large session's
    // Expired signals after Close's reply, so wait for them rather than only for what has
    // already arrived; bounded, should fwxd not send one. A second signal stops the wait.
    session.Close();
    watch.run(RedirectWatch::Goal::Ended, EndsAfterClose);
    return toInt(ExitCode::Success);
}

} // namespace fwx::cli
