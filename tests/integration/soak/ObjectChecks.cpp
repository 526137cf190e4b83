// The model against fwxd's objects, the Expired and Finished signals against the actions'
// ends, and the connections the soak holds open against conntrack.
#include "ObjectChecks.hpp"

#include "net/Address.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace fwx::test::soak {

namespace {

// Whether fwxd must list the action now (in GetManagedObjects and its session's Actions).
Presence presenceOf(const SoakModel& model, const ModelAction& a, SteadyTime now,
                    milliseconds margin) {
    return a.presence(now, margin, model.live(a.path));
}

void checkSession(const SoakModel& model, const ModelSession& expected, const SessionView& seen,
                  const DaemonView& daemon, SteadyTime now, milliseconds margin,
                  Findings& findings) {
    const auto problem = [&](const std::string& what) {
        findings.problems.push_back(fmt::format("session {}: {}", std::string(seen.path), what));
    };
    const std::string& owner = model.clients.at(expected.client).name;
    if (seen.owner != owner) {
        problem(fmt::format("Owner is {}, not {}", seen.owner, owner));
    }
    if (expected.primary) {
        if (seen.primary != *expected.primary) {
            problem("PrimaryConnection is not the one given to OpenSession");
        }
    } else if (seen.primary != PrimaryStruct("", "", 0, "", 0)) {
        problem("has a PrimaryConnection although none was given");
    }
    if (seen.description != expected.description) {
        problem(fmt::format("Description is \"{}\", not the \"{}\" given to OpenSession",
                            seen.description, expected.description));
    }
    // Its actions that must be listed, and those whose deadline is passing as fwxd lists
    // them, in creation order.
    std::vector<sdbus::ObjectPath> want;
    for (const sdbus::ObjectPath& path : expected.actions) {
        const Presence presence = presenceOf(model, model.actions.at(path), now, margin);
        if (presence == Presence::Listed ||
            (presence == Presence::Either && daemon.actions.contains(path))) {
            want.push_back(path);
        }
    }
    if (seen.actions != want) {
        std::string extra;
        for (const sdbus::ObjectPath& path : seen.actions) {
            if (std::find(want.begin(), want.end(), path) == want.end()) {
                extra += " " + std::string(path);
            }
        }
        std::string missing;
        for (const sdbus::ObjectPath& path : want) {
            if (std::find(seen.actions.begin(), seen.actions.end(), path) == seen.actions.end()) {
                missing += " " + std::string(path);
            }
        }
        problem(fmt::format("Actions lists {} action(s), the soak expects {} (not expected:{}; "
                            "missing:{})",
                            seen.actions.size(), want.size(), extra.empty() ? " -" : extra,
                            missing.empty() ? " -" : missing));
    }
}

// ExpiresAt: the deadline while the permission may still admit (pending; established with
// ALLOW_MULTIPLE), which lies between the call and its answer plus the timeout (µs, rounded
// up to ms by fwxd); 0 without TIMEOUT, and once the permission is used up, lapsed or
// withdrawn.
void checkExpiresAt(const ModelAction& a, const ActionView& seen, Findings& findings) {
    std::pair<std::int64_t, std::int64_t> window{0, 0};
    if (a.timed() && !a.withdrawn && !(a.singleUse() && a.reached > 0) &&
        (seen.state == state::Pending || seen.state == state::Established)) {
        const std::int64_t timeout = a.timeout->count();
        window = std::pair{a.realCalledAt + timeout, a.realAnsweredAt + timeout + 1000};
    }
    const auto at = static_cast<std::int64_t>(seen.expiresAt);
    if (at < window.first || at > window.second) {
        findings.problems.push_back(fmt::format("action {}: ExpiresAt {} is outside [{}, {}]",
                                                std::string(a.path), at, window.first,
                                                window.second));
    }
}

// Why the action cannot be expectation-backed (a part of NoExpectationReason): the soak's
// primary connections are never tracked by conntrack.
std::string whyNoExpectation(const SoakModel& model, const ModelAction& a) {
    const auto session = model.sessions.find(a.session);
    if (session == model.sessions.end()) {
        return {}; // found missing by checkSessions
    }
    const auto& primary = session->second.primary;
    if (!primary) {
        return "the session has no PrimaryConnection";
    }
    if (net::Address::parse(primary->get<1>()).family() != a.target.family()) {
        return "is not of the redirect's address family";
    }
    return "is not tracked by conntrack";
}

void checkAction(const SoakModel& model, const ModelAction& a, const ActionView& seen,
                 SteadyTime now, milliseconds margin, Findings& findings) {
    std::vector<std::string> wrong;
    const auto expect = [&](bool same, const std::string& what) {
        if (!same) {
            wrong.push_back(what);
        }
    };
    expect(seen.internalAddress == a.internal.address.toString(),
           "InternalAddress " + seen.internalAddress);
    expect(seen.internalPort == a.internal.port,
           "InternalPort " + std::to_string(seen.internalPort));
    expect(seen.connectAddress == a.target.address.toString(),
           "ConnectAddress " + seen.connectAddress);
    expect(seen.connectPort == a.target.port, "ConnectPort " + std::to_string(seen.connectPort));
    expect(seen.proxyExternalAddress == a.proxy,
           "ProxyExternalAddress \"" + seen.proxyExternalAddress + "\"");
    expect(seen.protocol == net::toString(a.transport), "Protocol " + seen.protocol);
    expect(seen.flags == a.flags, "Flags " + std::to_string(seen.flags));
    expect(seen.mode == "kernel", "Mode " + seen.mode);
    // No protocol registers a Helper yet, so no primary connection carries one.
    expect(!seen.expected, "Expected true");
    expect(seen.noExpectationReason.find(whyNoExpectation(model, a)) != std::string::npos,
           "NoExpectationReason \"" + seen.noExpectationReason + "\"");
    const std::set<std::string> states = a.allowedStates(now, margin);
    expect(states.contains(seen.state), "State " + seen.state);
    expect(seen.connections == a.reached,
           fmt::format("Connections {} (the soak made {})", seen.connections, a.reached));
    for (const std::string& what : wrong) {
        findings.problems.push_back(fmt::format("action {}: {}", std::string(a.path), what));
    }
    checkExpiresAt(a, seen, findings);
}

void checkSessions(const SoakModel& model, const DaemonView& daemon, SteadyTime now,
                   milliseconds margin, Findings& findings) {
    for (const auto& [path, seen] : daemon.sessions) {
        const auto expected = model.sessions.find(path);
        if (expected != model.sessions.end()) {
            checkSession(model, expected->second, seen, daemon, now, margin, findings);
        } else if (model.clientNamed(seen.owner) == nullptr) {
            findings.residues.push_back(
                fmt::format("session {} of {}, which left the bus", std::string(path), seen.owner));
        } else {
            findings.problems.push_back(
                fmt::format("session {} of {} exists; the soak closed it or never opened it",
                            std::string(path), seen.owner));
        }
    }
    for (const auto& [path, session] : model.sessions) {
        if (!daemon.sessions.contains(path)) {
            findings.problems.push_back(fmt::format("session {} is missing", std::string(path)));
        }
    }
    std::set<sdbus::ObjectPath> listed(daemon.sessionsProperty.begin(),
                                       daemon.sessionsProperty.end());
    std::set<sdbus::ObjectPath> managed;
    for (const auto& [path, session] : daemon.sessions) {
        managed.insert(path);
    }
    if (listed != managed || listed.size() != daemon.sessionsProperty.size()) {
        findings.problems.push_back(
            fmt::format("Firewall1.Sessions lists {} session(s), GetManagedObjects {}",
                        daemon.sessionsProperty.size(), managed.size()));
    }
}

std::string whyListed(const SoakModel& model, const ModelAction& a) {
    if (model.live(a.path)) {
        return "a connection through it lives";
    }
    return a.withdrawn ? "" : "it may still admit a connection";
}

std::string whyGone(const ModelAction& a) {
    if (a.detached) {
        return "its session ended";
    }
    if (a.withdrawn) {
        return "it was cancelled and no connection through it lives";
    }
    return "it admits nothing more and no connection through it lives";
}

void checkActions(const SoakModel& model, const DaemonView& daemon, SteadyTime now,
                  milliseconds margin, Findings& findings) {
    std::set<sdbus::ObjectPath> inSessions;
    for (const auto& [path, session] : daemon.sessions) {
        inSessions.insert(session.actions.begin(), session.actions.end());
    }
    for (const auto& [path, seen] : daemon.actions) {
        const auto expected = model.actions.find(path);
        if (expected != model.actions.end()) {
            const ModelAction& a = expected->second;
            if (presenceOf(model, a, now, margin) == Presence::Gone) {
                findings.problems.push_back(fmt::format("action {} is still listed (State {}), "
                                                        "but {}",
                                                        std::string(path), seen.state, whyGone(a)));
            }
            if (!a.detached) {
                checkAction(model, a, seen, now, margin, findings);
            }
        } else if (!inSessions.contains(path)) {
            findings.residues.push_back(
                fmt::format("action {} belongs to no session", std::string(path)));
        } else {
            findings.problems.push_back(fmt::format(
                "action {} exists; it finished, or the soak never made it", std::string(path)));
        }
    }
    for (const auto& [path, action] : model.actions) {
        if (!daemon.actions.contains(path) &&
            presenceOf(model, action, now, margin) == Presence::Listed) {
            findings.problems.push_back(fmt::format("action {} is missing, but {}",
                                                    std::string(path), whyListed(model, action)));
        }
    }
}

const std::vector<std::string>* receivedBy(const ReceivedExpiries& received, int client,
                                           const std::string& path) {
    const auto of = received.find(client);
    if (of == received.end()) {
        return nullptr;
    }
    const auto it = of->second.find(path);
    return it == of->second.end() ? nullptr : &it->second;
}

// Protocols belong to a uid and stay until unregistered, whoever left the bus.
void checkProtocols(const SoakModel& model, const DaemonView& daemon, Findings& findings) {
    for (const auto& [guid, seen] : daemon.protocols) {
        const auto expected = model.protocols.find(guid);
        if (expected == model.protocols.end()) {
            findings.problems.push_back(
                fmt::format("protocol {} is registered; the soak unregistered it", guid));
        } else if (seen.transport != net::toString(expected->second.transport) ||
                   seen.owner != expected->second.owner) {
            findings.problems.push_back(fmt::format("protocol {}: Transport {}, Owner {}", guid,
                                                    seen.transport, seen.owner));
        }
    }
    for (const auto& [guid, protocol] : model.protocols) {
        if (!daemon.protocols.contains(guid)) {
            findings.problems.push_back(fmt::format("protocol {} is missing", guid));
        }
    }
}

} // namespace

void checkObjects(const SoakModel& model, const DaemonView& daemon, SteadyTime now,
                  milliseconds margin, Findings& findings) {
    checkSessions(model, daemon, now, margin, findings);
    checkActions(model, daemon, now, margin, findings);
    checkProtocols(model, daemon, findings);
}

void checkSignals(const SoakModel& model, const ReceivedExpiries& received, Findings& findings) {
    for (const auto& [client, byPath] : received) {
        for (const auto& [path, reasons] : byPath) {
            if (reasons.size() > 1) {
                findings.problems.push_back(fmt::format("action {}: {} Expired signals ({}, ...)",
                                                        path, reasons.size(), reasons.front()));
            }
        }
    }
    for (const ExpectedExpiry& e : model.expiries) {
        const auto* reasons = receivedBy(received, e.client, e.action);
        if (reasons == nullptr) {
            if (e.mandatory) {
                findings.problems.push_back(
                    fmt::format("action {}: its owner got no Expired", std::string(e.action)));
            }
            continue;
        }
        for (const std::string& reason : *reasons) {
            if (!e.reasons.contains(reason)) {
                findings.problems.push_back(fmt::format("action {}: Expired(\"{}\") is wrong here",
                                                        std::string(e.action), reason));
            }
        }
    }
}

namespace {

const ExpectedFinish* finishOf(const SoakModel& model, const std::string& path) {
    for (auto it = model.finishes.rbegin(); it != model.finishes.rend(); ++it) {
        if (it->action == path) {
            return &*it;
        }
    }
    return nullptr;
}

} // namespace

void checkFinished(const SoakModel& model, const DaemonView& daemon,
                   const ReceivedFinishes& received, Findings& findings) {
    for (const auto& [client, byPath] : received) {
        for (const auto& [path, signals] : byPath) {
            if (signals.size() > 1) {
                findings.problems.push_back(fmt::format("action {}: {} Finished signals ({}, ...)",
                                                        path, signals.size(), signals.front()));
            }
            if (daemon.actions.contains(path)) {
                findings.problems.push_back(fmt::format(
                    "action {}: Finished({}) while it is still listed", path, signals.front()));
            }
            // Signals are unicast to the owner: no other client may see one.
            const ExpectedFinish* expected = finishOf(model, path);
            const auto action = model.actions.find(path);
            const int owner = expected != nullptr             ? expected->client
                              : action != model.actions.end() ? action->second.client
                                                              : client;
            if (owner != client) {
                findings.problems.push_back(
                    fmt::format("action {}: client {} got its Finished; the owner is client {}",
                                path, client, owner));
            }
        }
    }
    for (const ExpectedFinish& e : model.finishes) {
        const auto* signals = receivedBy(received, e.client, e.action);
        if (signals == nullptr) {
            if (e.need == Need::Must) {
                findings.problems.push_back(
                    fmt::format("action {}: its owner got no Finished", std::string(e.action)));
            }
            continue;
        }
        if (e.need == Need::MustNot) {
            findings.problems.push_back(
                fmt::format("action {}: Finished({}), but it ended with its session",
                            std::string(e.action), signals->front()));
        }
        for (const std::string& signal : *signals) {
            const std::size_t comma = signal.find(',');
            const std::string state = signal.substr(0, comma);
            const std::string connections =
                comma == std::string::npos ? "" : signal.substr(comma + 1);
            if (!e.states.contains(state) || connections != std::to_string(e.connections)) {
                std::string states;
                for (const std::string& s : e.states) {
                    states += (states.empty() ? "" : "|") + s;
                }
                findings.problems.push_back(fmt::format("action {}: Finished({}); the soak "
                                                        "expects Finished({},{})",
                                                        std::string(e.action), signal, states,
                                                        e.connections));
            }
        }
    }
}

void checkHeldConnections(const SoakModel& model, const KernelView& kernel, Findings& findings) {
    for (const ModelConnection& c : model.connections) {
        if (!c.heldOpen) {
            continue;
        }
        const auto flow = std::find_if(kernel.conntrack.flows.begin(), kernel.conntrack.flows.end(),
                                       [&](const redirect::Flow& f) {
                                           return f.transport == c.transport &&
                                                  f.client == c.client && f.internal == c.internal;
                                       });
        if (flow == kernel.conntrack.flows.end() || flow->ended) {
            findings.problems.push_back(fmt::format(
                "the connection {} -> {}/{} through {} was cut ({}) while the client holds it "
                "open",
                c.client.toString(), c.internal.toString(), net::toString(c.transport),
                std::string(c.action),
                flow == kernel.conntrack.flows.end() ? "conntrack has no entry" : "it ended"));
        }
    }
}

} // namespace fwx::test::soak
