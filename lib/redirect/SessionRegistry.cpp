#include "redirect/SessionRegistry.hpp"

#include "net/Prefix.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

namespace fwx::redirect {

SessionRegistry::SessionRegistry(Service& service, FlowTable& flows,
                                 const ProtocolRegistry& protocols, const Clock& clock,
                                 SessionLimits limits)
    : service_(service)
    , flows_(flows)
    , protocols_(protocols)
    , clock_(clock)
    , limits_(limits) {
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
    const SessionId id = nextSession_++;
    return sessions_.emplace(id, Session{id, owner, std::move(options), {}}).first->second;
}

SessionRegistry::Opened SessionRegistry::redirect(SessionId sessionId, Request request,
                                                  const std::string& protocolGuid) {
    Session& session = sessionOrThrow(sessionId);
    checkActionQuota(session.owner, request.targets.size());
    if (!protocolGuid.empty()) {
        checkProtocol(protocolGuid, request);
    }
    applyDefaults(session, request);
    const RedirectGroup& group = service_.open(request);
    Opened opened{group.redirects.front().internal.address, group.redirects.front().internal.port,
                  createActions(session, group, request)};
    return opened;
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
        session.actions.push_back(action.id);
        actions_.emplace(action.id, action);
    }
    actionsPerOwner_[session.owner.name] += ids.size();
    return ids;
}

SessionRegistry::SessionEnd SessionRegistry::closeSession(SessionId sessionId, EndReason reason) {
    const Session& session = sessionOrThrow(sessionId);
    SessionEnd end;
    end.sessions.push_back(sessionId);
    std::set<GroupId> groups;
    for (const ActionId id : session.actions) {
        const Action& action = actions_.at(id);
        groups.insert(action.group);
        end.ended.push_back(endedOf(action, reason));
    }
    for (const GroupId group : groups) {
        if (service_.find(group) == nullptr) {
            continue; // every redirect of it expired already
        }
        try {
            service_.close(group);
        } catch (const Error& e) {
            end.cleanupErrors.push_back(e);
        }
    }
    for (const ActionId id : session.actions) {
        forget(actions_.at(id));
    }
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
        SessionEnd end = closeSession(id, EndReason::OwnerVanished);
        all.sessions.push_back(id);
        std::move(end.ended.begin(), end.ended.end(), std::back_inserter(all.ended));
        std::move(end.cleanupErrors.begin(), end.cleanupErrors.end(),
                  std::back_inserter(all.cleanupErrors));
    }
    return all;
}

ActionEnded SessionRegistry::cancel(ActionId id) {
    const auto it = actions_.find(id);
    if (it == actions_.end()) {
        throwInvalid(fmt::format("no action {}", id));
    }
    const Action& action = it->second;
    if (action.state != ActionState::Expired) {
        service_.closeRedirect(action.group, action.redirect.internal);
    }
    ActionEnded ended = endedOf(action, EndReason::Cancelled);
    Session& session = sessions_.at(action.session);
    std::erase(session.actions, id);
    forget(action);
    return ended;
}

std::optional<std::chrono::steady_clock::time_point> SessionRegistry::nextDeadline() const {
    if (deadlines_.empty()) {
        return std::nullopt;
    }
    return deadlines_.begin()->first;
}

std::vector<ActionEnded> SessionRegistry::expireDue() {
    std::vector<ActionEnded> ended;
    const auto now = clock_.steadyNow();
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
        const ActionId id = deadlines_.begin()->second;
        deadlines_.erase(deadlines_.begin());
        settle(actions_.at(id), ended);
    }
    return ended;
}

// The kernel already dropped the permission at the deadline; conntrack tells whether a
// connection used it first. An unused one has nothing left to keep: its port goes back.
void SessionRegistry::settle(Action& action, std::vector<ActionEnded>& ended) {
    bool used = action.state != ActionState::Pending;
    if (!used) {
        try {
            used = flows_.hasConnection(action.redirect);
        } catch (const Error&) {
            used = false; // cannot tell: report the permission as lapsed, which it is
        }
    }
    if (used) {
        action.state = ActionState::Consumed;
        return;
    }
    try {
        service_.closeRedirect(action.group, action.redirect.internal);
    } catch (const Error&) {
        // The permission is gone from the kernel either way; the rest of the group's
        // state is removed with the session.
    }
    ended.push_back(endedOf(action, EndReason::Timeout));
    action.state = ActionState::Expired;
}

ActionEnded SessionRegistry::endedOf(const Action& action, EndReason reason) const {
    return {action.id, action.session, sessions_.at(action.session).owner.name, reason,
            action.permits()};
}

void SessionRegistry::forget(const Action& action) {
    if (action.deadline) {
        deadlines_.erase({*action.deadline, action.id});
    }
    const std::string& owner = sessions_.at(action.session).owner.name;
    if (--actionsPerOwner_[owner] == 0) {
        actionsPerOwner_.erase(owner);
    }
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
