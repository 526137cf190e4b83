// fwxctl redirect: opens a session, asks for N redirects, prints where the client must
// connect and then every event of those redirects, until Ctrl-C/SIGTERM (or, with
// --exit-when-done, until every redirect has ended). Closes the session on the way out.
#include "cli/Arguments.hpp"
#include "cli/Bus.hpp"
#include "cli/Commands.hpp"
#include "cli/Duration.hpp"
#include "cli/ExitCodes.hpp"
#include "cli/Output.hpp"
#include "cli/Proxies.hpp"
#include "net/Address.hpp"
#include "net/Endpoint.hpp"

#include <cstdint>
#include <memory>
#include <set>
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

// Prints the events of the session's actions and knows when all of them have ended.
class Watch {
public:
    Watch(const Output& out, BusLoop& loop, bool exitWhenDone)
        : out_(out)
        , loop_(loop)
        , exitWhenDone_(exitWhenDone) {}

    void add(sdbus::IConnection& connection, const std::string& path) {
        pending_.insert(path);
        ActionEvents events;
        events.established = [this, path](const Properties& c) {
            event(path, "established", c);
        };
        events.closed = [this, path](const Properties& c) {
            event(path, "closed", c);
        };
        events.expired = [this, path](const std::string& reason) {
            expired(path, reason);
        };
        events.changed = [this, path](const Properties& changed) {
            propertiesChanged(path, changed);
        };
        proxies_.push_back(
            std::make_unique<ActionProxy>(connection, sdbus::ObjectPath(path), std::move(events)));
    }

    bool done() const { return pending_.empty(); }
    // After the last event --exit-when-done waits for, the rest (e.g. the Expired of the
    // session's own Close) is not printed.
    void mute() { muted_ = true; }

private:
    void event(const std::string& path, const std::string& name, const Properties& connection) {
        if (muted_) {
            return;
        }
        if (out_.json()) {
            out_.record({{"event", name}, {"action", path}, {"connection", toJson(connection)}});
        } else {
            out_.line(path + " " + name + " " + toText(connection));
        }
    }

    void expired(const std::string& path, const std::string& reason) {
        if (!muted_) {
            if (out_.json()) {
                out_.record({{"event", "expired"}, {"action", path}, {"reason", reason}});
            } else {
                out_.line(path + " expired " + reason);
            }
        }
        ended(path);
    }

    void propertiesChanged(const std::string& path, const Properties& changed) {
        if (!muted_) {
            if (out_.json()) {
                out_.record(
                    {{"event", "changed"}, {"action", path}, {"properties", toJson(changed)}});
            } else {
                out_.line(path + " changed " + toText(changed));
            }
        }
        const auto state = changed.find("State");
        if (state != changed.end() && state->second.containsValueOfType<std::string>()) {
            const auto value = state->second.get<std::string>();
            if (value == "consumed" || value == "expired" || value == "cancelled") {
                ended(path);
            }
        }
    }

    void ended(const std::string& path) {
        pending_.erase(path);
        if (exitWhenDone_ && pending_.empty()) {
            mute();
            loop_.stop();
        }
    }

    const Output& out_;
    BusLoop& loop_;
    bool exitWhenDone_;
    bool muted_ = false;
    std::set<std::string> pending_;
    std::vector<std::unique_ptr<ActionProxy>> proxies_;
};

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

    Watch watch(out, loop, options.exitWhenDone);
    for (const auto& path : actions) {
        watch.add(*connection, path);
    }
    printAllocation(out, sessionPath, protocol, internal, basePort, actions, request);

    // Either every redirect has ended (--exit-when-done) or Ctrl-C/SIGTERM: close the
    // session; after a signal, drain() then prints how the remaining redirects ended
    // (Expired "session-closed", received before Close's reply).
    loop.run();
    session.Close();
    loop.drain();
    return toInt(ExitCode::Success);
}

} // namespace fwx::cli
