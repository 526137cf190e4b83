#include "redirect/SessionRegistry.hpp"

#include "net/Prefix.hpp"
#include "redirect/ExpectationPlan.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

namespace fwx::redirect {

SessionRegistry::SessionRegistry(Service& service, FlowTable& flows, PortFlows& portFlows,
                                 ExpectationBackend& expectations,
                                 const ProtocolRegistry& protocols, const Clock& clock,
                                 SessionLimits limits)
    : service_(service)
    , flows_(flows)
    , portFlows_(portFlows)
    , expectations_(expectations)
    , protocols_(protocols)
    , clock_(clock)
    , limits_(limits) {
}

SessionRegistry::~SessionRegistry() {
    shutdown();
}

SessionRegistry::SessionEnd SessionRegistry::shutdown() {
    SessionEnd all;
    std::vector<SessionId> ids;
    for (const auto& [id, session] : sessions_) {
        ids.push_back(id);
    }
    for (const SessionId id : ids) {
        append(all, closeSession(id, EndReason::SessionClosed));
    }
    return all;
}

void SessionRegistry::append(SessionEnd& all, SessionEnd end) {
    all.sessions.insert(all.sessions.end(), end.sessions.begin(), end.sessions.end());
    std::move(end.ended.begin(), end.ended.end(), std::back_inserter(all.ended));
    std::move(end.cleanupErrors.begin(), end.cleanupErrors.end(),
              std::back_inserter(all.cleanupErrors));
}

const Session& SessionRegistry::openSession(const Owner& owner, SessionOptions options) {
    const auto owned = static_cast<std::size_t>(
        std::count_if(sessions_.begin(), sessions_.end(),
                      [&](const auto& entry) { return entry.second.owner.name == owner.name; }));
    if (owned >= limits_.maxSessionsPerClient) {
        throw Error(ErrorCode::QuotaExceeded,
                    fmt::format("{} already has {} sessions open, the limit "
                                "(MaxSessionsPerClient in fwxd.conf)",
                                owner.name, owned));
    }
    const std::size_t byUser = countOf(sessionsPerUid_, owner.uid);
    if (byUser >= limits_.maxSessionsPerUser) {
        throw Error(ErrorCode::QuotaExceeded,
                    fmt::format("uid {} already has {} sessions open over all its bus "
                                "connections, the limit (MaxSessionsPerUser in fwxd.conf)",
                                owner.uid, byUser));
    }
    const SessionId id = nextSession_++;
    ++sessionsPerUid_[owner.uid];
    const Session& session =
        sessions_.emplace(id, Session{id, owner, std::move(options), {}}).first->second;
    follow(session);
    return session;
}

FlowKey SessionRegistry::keyOf(const PrimaryConnection& primary) {
    return {primary.transport, primary.client, primary.server};
}

// A primary that conntrack does not track (yet, or any more) is not followed: nothing
// would ever report its end.
void SessionRegistry::follow(const Session& session) {
    if (!session.options.primary) {
        return;
    }
    Flow primary;
    primary.transport = session.options.primary->transport;
    primary.client = session.options.primary->client;
    primary.internal = session.options.primary->server;
    std::optional<Flow> tracked;
    try {
        tracked = flows_.lookup(primary);
    } catch (const Error&) {
        return; // the session works as one without a primary to follow
    }
    if (tracked && !tracked->ended) {
        followed_[keyOf(*session.options.primary)].insert(session.id);
    }
}

void SessionRegistry::unfollow(const Session& session) {
    if (!session.options.primary) {
        return;
    }
    const auto it = followed_.find(keyOf(*session.options.primary));
    if (it != followed_.end() && it->second.erase(session.id) > 0 && it->second.empty()) {
        followed_.erase(it);
    }
}

std::vector<net::Address> SessionRegistry::followedServers() const {
    std::set<net::Address> servers;
    for (const auto& [key, sessions] : followed_) {
        servers.insert(key.internal.address);
    }
    return {servers.begin(), servers.end()};
}

SessionRegistry::Opened SessionRegistry::redirect(SessionId sessionId, Request request,
                                                  const std::string& protocolGuid,
                                                  bool requireExpectation) {
    Session& session = sessionOrThrow(sessionId);
    checkActionQuota(session.owner, request.targets.size());
    if (!protocolGuid.empty()) {
        checkProtocol(protocolGuid, request);
    }
    applyDefaults(session, request);
    Opened opened = openGroup(session, std::move(request), requireExpectation);
    for (const ActionId id : opened.actions) {
        actions_.at(id).protocolGuid = protocolGuid;
    }
    return opened;
}

// Expectations when the primary allows them, nft-only permissions otherwise (unless the
// caller insists). The nft group is programmed first, so the expectations' connections
// find their DNAT; if hanging them fails, the group goes and the request is served
// without them.
SessionRegistry::Opened SessionRegistry::openGroup(Session& session, Request request,
                                                   bool requireExpectation) {
    std::string note;
    if ((request.flags & flags::NoKernelMode) != 0 || request.handOver) {
        if (requireExpectation) {
            throw Error(ErrorCode::NotSupported,
                        request.handOver
                            ? "options: RequireExpectation: the protocol's data filter takes "
                              "the connections in user mode; no conntrack expectation can "
                              "back them"
                            : "options: RequireExpectation: flags 0x4 NO_KERNEL_MODE relays "
                              "the connections in user mode; no conntrack expectation can "
                              "back them");
        }
    } else if (session.options.primary || requireExpectation) {
        std::optional<std::string> obstacle;
        try {
            obstacle = expectationObstacle(expectations_, session.options.primary, request);
        } catch (const Error& e) {
            obstacle = e.what();
        }
        if (obstacle && requireExpectation) {
            throw Error(ErrorCode::NotSupported, "options: RequireExpectation: " + *obstacle);
        }
        note = obstacle.value_or("");
        request.expected = !obstacle;
    }
    if (request.expected) {
        const RedirectGroup group = service_.open(request);
        try {
            hangExpectations(session, group);
            return {group.redirects.front().internal.address, group.redirects.front().internal.port,
                    createActions(session, group, request), true, ""};
        } catch (const Error& e) {
            // A refusal here leaves the group retiring in the Service: retried, not lost.
            service_.retire(group.redirects);
            if (requireExpectation) {
                throw;
            }
            note = e.what();
            request.expected = false;
        }
    }
    const RedirectGroup group = service_.open(request);
    return {group.redirects.front().internal.address, group.redirects.front().internal.port,
            createActions(session, group, request), false, note};
}

void SessionRegistry::hangExpectations(const Session& session, const RedirectGroup& group) {
    expectations_.create(expectationsFor(*session.options.primary, group));
}

void SessionRegistry::checkActionQuota(const Owner& owner, std::size_t more) const {
    const auto it = actionsPerOwner_.find(owner.name);
    const std::size_t owned = it == actionsPerOwner_.end() ? 0 : it->second;
    if (owned + more > limits_.maxActionsPerClient) {
        throw Error(ErrorCode::QuotaExceeded,
                    fmt::format("{} has {} actions and asked for {} more, above the limit of {} "
                                "(MaxActionsPerClient in fwxd.conf)",
                                owner.name, owned, more, limits_.maxActionsPerClient));
    }
    const std::size_t byUser = countOf(actionsPerUid_, owner.uid);
    if (byUser + more > limits_.maxActionsPerUser) {
        throw Error(ErrorCode::QuotaExceeded,
                    fmt::format("uid {} has {} actions over all its bus connections and asked "
                                "for {} more, above the limit of {} (MaxActionsPerUser in "
                                "fwxd.conf)",
                                owner.uid, byUser, more, limits_.maxActionsPerUser));
    }
}

// How many key holds in counts (0 if none): counts keep only keys that hold some.
std::size_t SessionRegistry::countOf(const std::map<unsigned, std::size_t>& counts, unsigned key) {
    const auto it = counts.find(key);
    return it == counts.end() ? 0 : it->second;
}

void SessionRegistry::uncount(std::map<unsigned, std::size_t>& counts, unsigned key,
                              std::size_t how) {
    const auto it = counts.find(key);
    if (it != counts.end() && (it->second -= std::min(it->second, how)) == 0) {
        counts.erase(it);
    }
}

void SessionRegistry::checkProtocol(const std::string& guid, const Request& request) const {
    const Protocol& protocol = protocols_.get(guid);
    if (protocol.spec.transport != request.transport) {
        throwInvalid(fmt::format("protocol: \"{}\" does not match protocol {} ({}), which is {}",
                                 net::toString(request.transport), protocol.spec.name,
                                 protocol.guid, net::toString(protocol.spec.transport)));
    }
}

// ISA's behaviour: a session that names its primary connection admits only that client.
void SessionRegistry::applyDefaults(const Session& session, Request& request) const {
    const auto& primary = session.options.primary;
    if (request.allowedSource || !primary || request.targets.empty()) {
        return;
    }
    if (primary->client.family() == request.targets.front().family()) {
        request.allowedSource = net::Prefix::host(primary->client.address);
    }
}

std::vector<ActionId> SessionRegistry::createActions(Session& session, const RedirectGroup& group,
                                                     const Request& request) {
    std::vector<ActionId> ids;
    for (const Redirect& redirect : group.redirects) {
        Action action;
        action.id = nextAction_++;
        action.session = session.id;
        action.group = group.id;
        action.redirect = redirect;
        action.flags = request.flags;
        action.owner = session.owner;
        if (redirect.permissionTimeout) {
            action.deadline = clock_.steadyNow() + *redirect.permissionTimeout;
            action.expiresAt = clock_.realtimeNow() + *redirect.permissionTimeout;
            deadlines_.emplace(*action.deadline, action.id);
        }
        ids.push_back(action.id);
        session.actions.insert(session.actions.end(), action.id);
        tracker_.route(redirect.transport, redirect.internal, action.id);
        actions_.emplace(action.id, action);
    }
    actionsPerOwner_[session.owner.name] += ids.size();
    actionsPerUid_[session.owner.uid] += ids.size();
    return ids;
}

// The session's redirects go in bounded transactions (Service::retire); what the kernel
// refuses stays with the Service, which retries it: the owner wants the session gone, and
// its holes are not forgotten. Actions with live connections stay, detached, until those
// end; their ports are held meanwhile.
SessionRegistry::SessionEnd SessionRegistry::closeSession(SessionId sessionId, EndReason reason) {
    Session& session = sessionOrThrow(sessionId);
    SessionEnd end;
    end.sessions.push_back(sessionId);
    std::vector<Expectation> expectations;
    std::vector<Redirect> programmed;
    for (const ActionId id : session.actions) {
        Action& action = actions_.at(id);
        end.ended.push_back(endedOf(action, reason));
        if (action.permits()) {
            setState(action, ActionState::Cancelled);
        }
        clearDeadline(action);
        if (reason == EndReason::OwnerVanished) {
            action.owner.name.clear();
        }
        if (!holdsPort(action)) {
            continue;
        }
        if (action.redirect.expected) {
            expectations.push_back(expectationFor(*session.options.primary, action.redirect));
        }
        if (tracker_.liveFlowsOf(id) > 0) {
            service_.holdPort(action.redirect);
            action.portHeld = true;
        }
        programmed.push_back(action.redirect);
        tracker_.unroute(action.redirect.transport, action.redirect.internal);
    }
    if (!expectations.empty()) {
        try {
            expectations_.remove(expectations);
        } catch (const Error& e) {
            end.cleanupErrors.push_back(e);
        }
    }
    if (auto refusal = service_.retire(std::move(programmed))) {
        end.cleanupErrors.push_back(std::move(*refusal));
    }
    for (const ActionId id : session.actions) {
        auto node = actions_.extract(id);
        Action& action = node.mapped();
        if (tracker_.liveFlowsOf(id) > 0) {
            detached_.insert(std::move(node));
            continue;
        }
        end.finished.push_back({newsOf(action), action.state, action.connections, false});
        uncountAction(action);
        tracker_.forgetAction(id, action.redirect.transport, action.redirect.internal);
    }
    uncount(sessionsPerUid_, session.owner.uid, 1);
    unfollow(session);
    sessions_.erase(sessionId);
    return end;
}

SessionRegistry::SessionEnd SessionRegistry::ownerVanished(const std::string& ownerName) {
    SessionEnd all;
    std::vector<SessionId> owned;
    for (const auto& [id, session] : sessions_) {
        if (session.owner.name == ownerName) {
            owned.push_back(id);
        }
    }
    for (const SessionId id : owned) {
        append(all, closeSession(id, EndReason::OwnerVanished));
    }
    return all;
}

Notices SessionRegistry::cancel(ActionId id) {
    const auto it = actions_.find(id);
    if (it == actions_.end()) {
        throwInvalid(fmt::format("no action {}", id));
    }
    Action& action = it->second;
    const bool live = tracker_.liveFlowsOf(id) > 0;
    if (holdsPort(action)) {
        if (live) {
            service_.holdPort(action.redirect);
        }
        try {
            service_.close(action.redirect);
        } catch (const Error&) {
            if (live) {
                service_.unholdPort(action.redirect);
            }
            throw;
        }
        action.portHeld = live;
        tracker_.unroute(action.redirect.transport, action.redirect.internal);
    }
    removeExpectation(action);
    Notices notices;
    notices.ended.push_back(endedOf(action, EndReason::Cancelled));
    if (action.permits()) {
        setState(action, ActionState::Cancelled);
    }
    clearDeadline(action);
    action.expiresAt.reset();
    notices.changed.push_back(id);
    finishIfDone(action, notices);
    return notices;
}

std::optional<std::chrono::steady_clock::time_point> SessionRegistry::nextDeadline() const {
    if (deadlines_.empty()) {
        return std::nullopt;
    }
    return deadlines_.begin()->first;
}

Notices SessionRegistry::expireDue() {
    Notices notices;
    const auto now = clock_.steadyNow();
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
        const ActionId id = deadlines_.begin()->second;
        settle(actions_.at(id), notices);
    }
    return notices;
}

// The kernel already dropped the permission at the deadline, and the caller has handed
// over the conntrack events queued until now: whether a connection used the permission
// first is known. An unused one has nothing left to keep. A single-use permission whose
// expectation was used but whose connection never showed (UnconfirmedGrace) finishes too.
void SessionRegistry::settle(Action& action, Notices& notices) {
    clearDeadline(action);
    if (action.state == ActionState::Pending && tracker_.liveFlowsOf(action.id) == 0) {
        notices.ended.push_back(endedOf(action, EndReason::Timeout));
        setState(action, ActionState::Expired);
    } else if (action.permits()) {
        setState(action, ActionState::Consumed);
        notices.changed.push_back(action.id);
        if (holdsPort(action)) {
            service_.stopAdmitting(action.redirect);
        }
    }
    action.expiresAt.reset();
    finishIfDone(action, notices);
}

void SessionRegistry::setState(Action& action, ActionState state) {
    action.state = state;
    if (!action.permits()) {
        uncountAction(action);
    }
}

void SessionRegistry::uncountAction(Action& action) {
    if (!action.counted) {
        return;
    }
    action.counted = false;
    const auto it = actionsPerOwner_.find(action.owner.name);
    if (it != actionsPerOwner_.end() && --it->second == 0) {
        actionsPerOwner_.erase(it);
    }
    uncount(actionsPerUid_, action.owner.uid, 1);
}

// A user-mode redirect's relay carries its live connections: it only stops admitting, and
// closes (finishIfDone) once they ended, as a kernel-mode one's connections outlive its
// permission.
void SessionRegistry::endPermission(Action& action, EndReason reason, Notices& notices) {
    notices.ended.push_back(endedOf(action, reason));
    setState(action, ActionState::Cancelled);
    clearDeadline(action);
    action.expiresAt.reset();
    if (action.redirect.userMode && holdsPort(action)) {
        service_.stopAdmitting(action.redirect);
    } else {
        withdraw(action, notices);
    }
    notices.changed.push_back(action.id);
    finishIfDone(action, notices);
}

void SessionRegistry::finishIfDone(Action& action, Notices& notices) {
    if (action.permits() || tracker_.liveFlowsOf(action.id) > 0) {
        return;
    }
    withdraw(action, notices);
    if (action.portHeld) {
        service_.unholdPort(action.redirect);
        action.portHeld = false;
    }
    notices.finished.push_back(
        {newsOf(action), action.state, action.connections, !action.owner.name.empty()});
    forget(action);
}

void SessionRegistry::clearDeadline(Action& action) {
    if (action.deadline) {
        deadlines_.erase({*action.deadline, action.id});
    }
    action.deadline.reset();
}

bool SessionRegistry::holdsPort(const Action& action) const {
    return tracker_.routeOf(action.redirect.transport, action.redirect.internal) == action.id;
}

// A refusal leaves the redirect retiring in the Service, which retries it.
void SessionRegistry::withdraw(Action& action, Notices& notices) {
    removeExpectation(action);
    if (!holdsPort(action)) {
        return;
    }
    if (tracker_.liveFlowsOf(action.id) > 0) {
        service_.holdPort(action.redirect);
        action.portHeld = true;
    }
    tracker_.unroute(action.redirect.transport, action.redirect.internal);
    if (auto refusal = service_.retire({action.redirect})) {
        notices.errors.push_back(std::move(*refusal));
    }
}

void SessionRegistry::removeExpectation(const Action& action) {
    const PrimaryConnection* primary = primaryOf(action);
    if (action.redirect.expected && primary != nullptr) {
        try {
            expectations_.remove({expectationFor(*primary, action.redirect)});
        } catch (const Error&) {
            // It lapses on its own, and the session's close tries again.
        }
    }
}

const PrimaryConnection* SessionRegistry::primaryOf(const Action& action) const {
    const auto it = sessions_.find(action.session);
    if (it == sessions_.end() || !it->second.options.primary) {
        return nullptr;
    }
    return &*it->second.options.primary;
}

// An owner that left the bus is told nothing: no one would receive it, and a vanished
// owner of 100,000 actions would cost 100,000 signals that the bus drops.
ActionNews SessionRegistry::newsOf(const Action& action) {
    return {action.id, action.session, action.group, action.owner.name};
}

ActionEnded SessionRegistry::endedOf(const Action& action, EndReason reason) const {
    return {newsOf(action), reason,
            action.permits() && reason != EndReason::OwnerVanished && !action.owner.name.empty()};
}

void SessionRegistry::forget(Action& action) {
    clearDeadline(action);
    uncountAction(action);
    const ActionId id = action.id;
    tracker_.forgetAction(id, action.redirect.transport, action.redirect.internal);
    if (const auto session = sessions_.find(action.session); session != sessions_.end()) {
        session->second.actions.erase(id);
    }
    if (actions_.erase(id) == 0) {
        detached_.erase(id);
    }
}

Action* SessionRegistry::anyAction(ActionId id) {
    if (const auto it = actions_.find(id); it != actions_.end()) {
        return &it->second;
    }
    const auto it = detached_.find(id);
    return it == detached_.end() ? nullptr : &it->second;
}

const Action* SessionRegistry::actionOn(net::Transport transport,
                                        const net::Endpoint& internal) const {
    const auto id = tracker_.routeOf(transport, internal);
    if (!id) {
        return nullptr;
    }
    if (const auto it = actions_.find(*id); it != actions_.end()) {
        return &it->second;
    }
    const auto it = detached_.find(*id);
    return it == detached_.end() ? nullptr : &it->second;
}

const Session* SessionRegistry::session(SessionId id) const {
    const auto it = sessions_.find(id);
    return it == sessions_.end() ? nullptr : &it->second;
}

const Action* SessionRegistry::action(ActionId id) const {
    const auto it = actions_.find(id);
    return it == actions_.end() ? nullptr : &it->second;
}

Session& SessionRegistry::sessionOrThrow(SessionId id) {
    const auto it = sessions_.find(id);
    if (it == sessions_.end()) {
        throwInvalid(fmt::format("no session {}", id));
    }
    return it->second;
}

} // namespace fwx::redirect
