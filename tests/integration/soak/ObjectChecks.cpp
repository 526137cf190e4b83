// The model against fwxd's objects, and the Expired signals against the actions' ends.
#include "ObjectChecks.hpp"

#include "net/Address.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace fwx::test::soak {

namespace {

void checkSession(const SoakModel& model, const ModelSession& expected, const SessionView& seen,
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
    if (seen.actions != expected.actions) {
        problem(fmt::format("Actions lists {} action(s), the soak expects {}", seen.actions.size(),
                            expected.actions.size()));
    }
}

// ExpiresAt: 0 without TIMEOUT and once a single-use permission is used; otherwise the
// deadline, which lies between the call and its answer plus the timeout (µs, rounded up to
// ms by fwxd).
void checkExpiresAt(const ModelAction& a, const ActionView& seen, Findings& findings) {
    std::optional<std::pair<std::int64_t, std::int64_t>> window;
    if (!a.timed() || (a.singleUse() && a.reached > 0)) {
        window = std::pair<std::int64_t, std::int64_t>{0, 0};
    } else if (seen.state == state::Pending) {
        const std::int64_t timeout = a.timeout->count();
        window = std::pair{a.realCalledAt + timeout, a.realAnsweredAt + timeout + 1000};
    }
    const auto at = static_cast<std::int64_t>(seen.expiresAt);
    if (window && (at < window->first || at > window->second)) {
        findings.problems.push_back(fmt::format("action {}: ExpiresAt {} is outside [{}, {}]",
                                                std::string(a.path), at, window->first,
                                                window->second));
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

void checkSessions(const SoakModel& model, const DaemonView& daemon, Findings& findings) {
    for (const auto& [path, seen] : daemon.sessions) {
        const auto expected = model.sessions.find(path);
        if (expected != model.sessions.end()) {
            checkSession(model, expected->second, seen, findings);
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

void checkActions(const SoakModel& model, const DaemonView& daemon, SteadyTime now,
                  milliseconds margin, Findings& findings) {
    std::set<sdbus::ObjectPath> inSessions;
    for (const auto& [path, session] : daemon.sessions) {
        inSessions.insert(session.actions.begin(), session.actions.end());
    }
    for (const auto& [path, seen] : daemon.actions) {
        const auto expected = model.actions.find(path);
        if (expected != model.actions.end()) {
            checkAction(model, expected->second, seen, now, margin, findings);
        } else if (!inSessions.contains(path)) {
            findings.residues.push_back(
                fmt::format("action {} belongs to no session", std::string(path)));
        } else {
            findings.problems.push_back(fmt::format(
                "action {} exists; the soak ended it or never made it", std::string(path)));
        }
    }
    for (const auto& [path, action] : model.actions) {
        if (!daemon.actions.contains(path)) {
            findings.problems.push_back(fmt::format("action {} is missing", std::string(path)));
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
    checkSessions(model, daemon, findings);
    checkActions(model, daemon, now, margin, findings);
    checkProtocols(model, daemon, findings);
}

void checkSignals(const SoakModel& model, const DaemonView& daemon,
                  const ReceivedExpiries& received, Findings& findings) {
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
    // An unused permission that timed out tells its owner so.
    for (const auto& [path, seen] : daemon.actions) {
        const auto a = model.actions.find(path);
        if (seen.state != state::Expired || a == model.actions.end()) {
            continue;
        }
        const auto* reasons = receivedBy(received, a->second.client, path);
        if (reasons == nullptr ||
            std::find(reasons->begin(), reasons->end(), "timeout") == reasons->end()) {
            findings.problems.push_back(
                fmt::format("action {}: expired, but its owner got no Expired(\"timeout\")",
                            std::string(path)));
        }
    }
}

} // namespace fwx::test::soak
