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
    return sessions_.emplace(id, Session{id, owner, std::move(options), {}}).first->second;
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
    return openGroup(session, std::move(request), requireExpectation);
}

// Expectations when the primary allows them, nft-only permissions otherwise (unless the
// caller insists). The nft group is programmed first, so the expectations' connections
// find their DNAT; if hanging them fails, the group goes and the request is served
// without them.
SessionRegistry::Opened SessionRegistry::openGroup(Session& session, Request request,
                                                   bool requireExpectation) {
    std::string note;
    if (session.options.primary || requireExpectation) {
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
// its holes are not forgotten.
SessionRegistry::SessionEnd SessionRegistry::closeSession(SessionId sessionId, EndReason reason) {
    const Session& session = sessionOrThrow(sessionId);
    SessionEnd end;
    end.sessions.push_back(sessionId);
    std::vector<Expectation> expectations;
    std::vector<Redirect> programmed;
    for (const ActionId id : session.actions) {
        const Action& action = actions_.at(id);
        end.ended.push_back(endedOf(action, reason));
        if (!holdsPort(action)) {
            continue;
        }
        if (action.redirect.expected) {
            expectations.push_back(expectationFor(*session.options.primary, action.redirect));
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
        forget(actions_.at(id));
    }
    uncount(sessionsPerUid_, session.owner.uid, 1);
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

ActionEnded SessionRegistry::cancel(ActionId id) {
    const auto it = actions_.find(id);
    if (it == actions_.end()) {
        throwInvalid(fmt::format("no action {}", id));
    }
    const Action& action = it->second;
    if (holdsPort(action)) {
        service_.close(action.redirect);
        tracker_.unroute(action.redirect.transport, action.redirect.internal);
    }
    removeExpectation(action);
    ActionEnded ended = endedOf(action, EndReason::Cancelled);
    Session& session = sessions_.at(action.session);
    session.actions.erase(id);
    forget(action);
    return ended;
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
// first is known. An unused one has nothing left to keep: its port goes back.
void SessionRegistry::settle(Action& action, Notices& notices) {
    clearDeadline(action);
    const std::size_t live = tracker_.liveFlowsOf(action.id);
    if (action.state != ActionState::Pending || live > 0) {
        action.state = ActionState::Consumed;
        action.expiresAt.reset();
        notices.changed.push_back(action.id);
        if (live == 0) {
            release(action, notices);
        }
        return;
    }
    release(action, notices);
    notices.ended.push_back(endedOf(action, EndReason::Timeout));
    action.state = ActionState::Expired;
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
void SessionRegistry::release(const Action& action, Notices& notices) {
    removeExpectation(action);
    if (holdsPort(action)) {
        tracker_.unroute(action.redirect.transport, action.redirect.internal);
        if (auto refusal = service_.retire({action.redirect})) {
            notices.errors.push_back(std::move(*refusal));
        }
    }
}

void SessionRegistry::removeExpectation(const Action& action) {
    const auto& primary = sessions_.at(action.session).options.primary;
    if (action.redirect.expected && primary) {
        try {
            expectations_.remove({expectationFor(*primary, action.redirect)});
        } catch (const Error&) {
            // It lapses on its own, and the session's close tries again.
        }
    }
}

// An owner that left the bus is told nothing: no one would receive it, and a vanished
// owner of 100,000 actions would cost 100,000 signals that the bus drops.
ActionEnded SessionRegistry::endedOf(const Action& action, EndReason reason) const {
    return {action.id,    action.session,
            action.group, sessions_.at(action.session).owner.name,
            reason,       action.permits() && reason != EndReason::OwnerVanished};
}

void SessionRegistry::forget(const Action& action) {
    if (action.deadline) {
        deadlines_.erase({*action.deadline, action.id});
    }
    tracker_.forgetAction(action.id, action.redirect.transport, action.redirect.internal);
    const Owner& owner = sessions_.at(action.session).owner;
    if (--actionsPerOwner_[owner.name] == 0) {
        actionsPerOwner_.erase(owner.name);
    }
    uncount(actionsPerUid_, owner.uid, 1);
    actions_.erase(action.id);
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
