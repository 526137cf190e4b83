// SessionRegistry, the half that follows the kernel: conntrack events of connections
// through redirects, expectation events, and the resynchronisation after lost events.
//
// A connection belongs to the action that holds its original destination (internal
// address and port) if it really went through that redirect: replies come from the
// action's target, the client is one the action admits, and for an expectation-backed
// action conntrack created it from the expectation (a NEW with the master tuple). Only
// conntrack events make a connection "established"; an expectation's disappearance never
// does (its connection's first packet may have been dropped).
//
// A connection ends when conntrack says so: a TCP update event in TIME_WAIT or CLOSE (both
// sides closed, or a reset), else its DESTROY. Closed goes out then, once, with the
// counters read at that moment, also for an action that was cancelled or whose session
// closed in the meantime: those stay (detached) while their connections live.
#include "redirect/ExpectationPlan.hpp"
#include "redirect/SessionRegistry.hpp"

#include <chrono>
#include <set>

namespace fwx::redirect {

Notices SessionRegistry::onFlow(const FlowEvent& event) {
    Notices notices;
    if (event.type == FlowEventType::Destroy || event.flow.ended) {
        if (const auto it = followed_.find(FlowKey::of(event.flow)); it != followed_.end()) {
            const std::set<SessionId> sessions = it->second;
            followed_.erase(it);
            for (const SessionId id : sessions) {
                endWithPrimary(sessions_.at(id), notices);
            }
        }
    }
    if (event.type == FlowEventType::Destroy) {
        flowGone(event.flow, notices);
    } else if (event.type == FlowEventType::Update && event.flow.ended &&
               tracker_.find(event.flow) != nullptr) {
        flowSeen(withCountersNow(event.flow, notices), notices);
    } else {
        flowSeen(event.flow, notices);
    }
    return notices;
}

// Update events carry no counters: one lookup of the entry reads them. If it is gone
// already, its DESTROY (which carries them) is queued behind this event.
Flow SessionRegistry::withCountersNow(const Flow& flow, Notices& notices) {
    try {
        const std::optional<Flow> now = flows_.lookup(flow);
        if (!now) {
            Flow pending = flow;
            pending.ended = false;
            return pending;
        }
        Flow counted = flow;
        counted.fromClient = now->fromClient;
        counted.fromTarget = now->fromTarget;
        return counted;
    } catch (const Error& e) {
        notices.errors.push_back(e); // Closed goes out with zero counters
        return flow;
    }
}

void SessionRegistry::flowSeen(const Flow& flow, Notices& notices) {
    portFlows_.seen(flow);
    if (!relayedPort(flow)) {
        track(flow, false, notices);
    }
}

Notices SessionRegistry::onRelayed(const FlowEvent& event) {
    Notices notices;
    if (event.type == FlowEventType::Destroy) {
        untrack(event.flow, notices);
    } else {
        track(event.flow, true, notices);
    }
    return notices;
}

// The kernel's own entry of a relayed connection's client leg (client -> internal port,
// delivered locally) is not a connection through a redirect: its relay reports that one.
bool SessionRegistry::relayedPort(const Flow& flow) {
    if (const TrackedFlow* tracked = tracker_.find(flow); tracked != nullptr) {
        return anyAction(tracked->action)->redirect.userMode;
    }
    const auto id = tracker_.routeOf(flow.transport, flow.internal);
    return id && actions_.at(*id).redirect.userMode;
}

// relayed: the flow comes from a relay, which admitted it itself; it is never stale.
void SessionRegistry::track(const Flow& flow, bool relayed, Notices& notices) {
    TrackedFlow* tracked = tracker_.find(flow);
    if (tracked == nullptr) {
        const auto id = tracker_.routeOf(flow.transport, flow.internal);
        if (!id) {
            return;
        }
        Action& action = actions_.at(*id);
        if (!wentThrough(action, flow)) {
            if (!relayed) {
                removeStale(flow, notices);
            }
            return;
        }
        tracked = &tracker_.track(action.id, nextConnection_++, flow);
        admitted(action, notices);
    } else {
        tracked->flow = flow;
    }
    if (flow.established && !tracked->establishedAt) {
        established(*anyAction(tracked->action), *tracked, notices);
    }
    if (flow.ended) {
        const TrackedFlow over = *tracked;
        tracker_.untrack(FlowKey::of(flow));
        closed(over, flow, notices);
    }
}

bool SessionRegistry::wentThrough(const Action& action, const Flow& flow) const {
    if (flow.target != action.redirect.target ||
        !action.redirect.allowedSource.contains(flow.client.address)) {
        return false;
    }
    if (!action.redirect.expected) {
        return true;
    }
    const auto& primary = sessions_.at(action.session).options.primary;
    return flow.master && primary && flow.master->transport == primary->transport &&
           flow.master->client == primary->client && flow.master->server == primary->server;
}

// A connection to an allocated port that did not go through its redirect existed before
// the redirect did (a packet the gate refuses never becomes a conntrack entry): its event
// was still queued when the port was allocated. It goes now, or it would keep bypassing
// the redirect.
void SessionRegistry::removeStale(const Flow& flow, Notices& notices) {
    try {
        flows_.remove({flow});
    } catch (const Error& e) {
        notices.errors.push_back(e);
    }
}

// A single-use permission is used up by its first connection, established or not.
void SessionRegistry::admitted(Action& action, Notices& notices) {
    if (action.redirect.singleUse && action.state == ActionState::Pending) {
        setState(action, ActionState::Consumed);
        clearDeadline(action);
        action.expiresAt.reset();
        notices.changed.push_back(action.id);
    }
}

// A consumed multi-use permission lapsed at its deadline: its late connections do not
// open it again.
void SessionRegistry::established(Action& action, TrackedFlow& tracked, Notices& notices) {
    tracked.establishedAt = clock_.steadyNow();
    ++action.connections;
    if (action.state == ActionState::Pending ||
        (action.state == ActionState::Consumed && action.redirect.singleUse)) {
        setState(action, ActionState::Established);
    }
    if (!action.owner.name.empty()) {
        notices.connections.push_back({ConnectionNotice::Kind::Established, action.id, tracked.id,
                                       action.group, action.session, action.owner.name,
                                       action.protocolGuid, tracked.flow,
                                       std::chrono::microseconds{0}});
    }
    notices.changed.push_back(action.id);
}

void SessionRegistry::flowGone(const Flow& flow, Notices& notices) {
    portFlows_.gone(flow);
    if (relayedPort(flow)) {
        return;
    }
    if (tracker_.find(flow) == nullptr) {
        unseenFlowGone(flow, notices);
    } else {
        untrack(flow, notices);
    }
}

// A UDP connection conntrack told of only by its DESTROY: its NEW and UPDATE were lost in
// an overrun, and it timed out before a resync could see it (the kernel redelivers a
// DESTROY until it is read, never a NEW). It is reported whole, from the DESTROY: admitted,
// established if it was answered, closed with its counters. Unless fwxd reported it
// already: a resync that found it gone did. A TCP connection ends at its TIME_WAIT or
// CLOSE update, so an untracked one's DESTROY cannot tell a lost connection from one
// reported already (DESTROY events carry no TCP state); it is left alone.
void SessionRegistry::unseenFlowGone(const Flow& flow, Notices& notices) {
    if (flow.transport != net::Transport::Udp || endedByResync_.take(flow)) {
        return;
    }
    const auto id = tracker_.routeOf(flow.transport, flow.internal);
    if (!id || !wentThrough(actions_.at(*id), flow)) {
        return;
    }
    Action& action = actions_.at(*id);
    TrackedFlow& tracked = tracker_.track(action.id, nextConnection_++, flow);
    admitted(action, notices);
    if (flow.established) {
        established(action, tracked, notices);
    }
    untrack(flow, notices);
}

void SessionRegistry::untrack(const Flow& flow, Notices& notices) {
    const TrackedFlow* tracked = tracker_.find(flow);
    if (tracked == nullptr) {
        return;
    }
    const TrackedFlow gone = *tracked;
    tracker_.untrack(FlowKey::of(flow));
    closed(gone, flow, notices);
}

// The last connection of an action that admits nothing more (used up, cancelled, ended
// with its session or primary) finishes it.
void SessionRegistry::closed(const TrackedFlow& tracked, const Flow& last, Notices& notices) {
    Action& action = *anyAction(tracked.action);
    if (tracked.establishedAt && !action.owner.name.empty()) {
        const auto duration = std::chrono::duration_cast<std::chrono::microseconds>(
            clock_.steadyNow() - *tracked.establishedAt);
        notices.connections.push_back({ConnectionNotice::Kind::Closed, action.id, tracked.id,
                                       action.group, action.session, action.owner.name,
                                       action.protocolGuid, last, duration});
    }
    if (action.redirect.singleUse && action.state == ActionState::Established) {
        setState(action, ActionState::Consumed);
        notices.changed.push_back(action.id);
    }
    finishIfDone(action, notices);
}

Notices SessionRegistry::onExpectation(const ExpectationEvent& event) {
    Notices notices;
    if (event.type != ExpectationEventType::Destroy) {
        return notices;
    }
    Action* action = expectedActionOf(event.expectation);
    if (action != nullptr) {
        expectationGone(*action, event.expectation, notices);
    }
    return notices;
}

// The action whose expectation this is, while it still holds its port (ours are removed
// only after the port).
Action* SessionRegistry::expectedActionOf(const Expectation& expectation) {
    const auto id = tracker_.routeOf(expectation.transport, expectation.destination);
    if (!id) {
        return nullptr;
    }
    Action& action = actions_.at(*id);
    const auto& primary = sessions_.at(action.session).options.primary;
    if (!action.redirect.expected || !primary ||
        !expectationFor(*primary, action.redirect).sameAs(expectation)) {
        return nullptr;
    }
    return &action;
}

// No time left: it expired. Time left: it was used, or its master died (then conntrack
// no longer knows the primary), or someone removed it behind fwxd's back.
void SessionRegistry::expectationGone(Action& action, const Expectation& expectation,
                                      Notices& notices) {
    if (expectation.timeout == std::chrono::seconds{0}) {
        if (action.permits()) {
            settle(action, notices);
        }
        return;
    }
    std::optional<std::string> helper;
    try {
        helper = expectations_.helperOf(expectation.master);
    } catch (const Error&) {
        helper = ""; // cannot tell: assume the primary lives
    }
    if (!helper) {
        primaryClosed(expectation.master, notices);
    } else if (action.redirect.singleUse) {
        admitted(action, notices);
        awaitConnection(action);
    } else if (action.permits()) {
        endPermission(action, EndReason::Cancelled, notices);
    }
}

// The expectation was used: conntrack reports the connection it admitted right after,
// unless its first packet was dropped, in which case none ever comes (UnconfirmedGrace).
void SessionRegistry::awaitConnection(Action& action) {
    if (tracker_.liveFlowsOf(action.id) > 0 || action.state != ActionState::Consumed) {
        return;
    }
    clearDeadline(action);
    action.deadline = clock_.steadyNow() + UnconfirmedGrace;
    deadlines_.emplace(*action.deadline, action.id);
}

// The expectation path: conntrack no longer knows the master of an expectation that went.
// Rare (an expectation's DESTROY), so it looks at every session: the primary may not be
// followed (fwxd opened the session before conntrack tracked it).
void SessionRegistry::primaryClosed(const PrimaryConnection& primary, Notices& notices) {
    followed_.erase(keyOf(primary));
    for (auto& [id, session] : sessions_) {
        const auto& own = session.options.primary;
        if (own && keyOf(*own) == keyOf(primary)) {
            endWithPrimary(session, notices);
        }
    }
}

// Every permission of the session still open ends with its primary, expectation-backed or
// not; connections already made through them go on.
void SessionRegistry::endWithPrimary(Session& session, Notices& notices) {
    const std::vector<ActionId> ids(session.actions.begin(), session.actions.end());
    for (const ActionId id : ids) {
        const auto it = actions_.find(id);
        if (it != actions_.end() && it->second.permits()) {
            endPermission(it->second, EndReason::PrimaryClosed, notices);
        }
    }
}

Notices SessionRegistry::resync(const ConntrackSnapshot& snapshot) {
    Notices notices;
    portFlows_.reset(snapshot.flows);
    std::set<std::pair<FlowKey, std::uint32_t>> present;
    for (const Flow& flow : snapshot.flows) {
        present.emplace(FlowKey::of(flow), flow.id);
    }
    std::vector<Flow> gone;
    for (const auto& [key, tracked] : tracker_.flows()) {
        if (!present.contains({key, tracked.flow.id})) {
            gone.push_back(tracked.flow); // its counters are lost with its DESTROY
        }
    }
    for (const Flow& flow : gone) {
        flowGone(flow, notices);
        if (flow.transport == net::Transport::Udp) {
            endedByResync_.add(flow);
        }
    }
    for (const Flow& flow : snapshot.flows) {
        flowSeen(flow, notices);
    }
    resyncExpectations(snapshot.expectations, notices);
    return notices;
}

// An expectation that is no longer there went as its lost DESTROY event would have said;
// the deadline tells an expiry from the rest.
void SessionRegistry::resyncExpectations(const std::vector<Expectation>& present,
                                         Notices& notices) {
    const auto now = clock_.steadyNow();
    std::vector<ActionId> ids; // an action that finishes leaves actions_
    ids.reserve(actions_.size());
    for (const auto& [id, action] : actions_) {
        ids.push_back(id);
    }
    for (const ActionId id : ids) {
        const auto it = actions_.find(id);
        if (it == actions_.end()) {
            continue;
        }
        Action& action = it->second;
        const auto& primary = sessions_.at(action.session).options.primary;
        if (!action.redirect.expected || !primary || !action.permits() || !holdsPort(action)) {
            continue;
        }
        Expectation expectation = expectationFor(*primary, action.redirect);
        const bool there = std::any_of(present.begin(), present.end(),
                                       [&](const Expectation& e) { return e.sameAs(expectation); });
        if (!there) {
            const bool expired =
                action.deadline && *action.deadline <= now + std::chrono::seconds{1};
            expectation.timeout = std::chrono::seconds{expired ? 0 : 1};
            expectationGone(action, expectation, notices);
        }
    }
}

} // namespace fwx::redirect
