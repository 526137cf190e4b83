// SessionRegistry, the half that follows the kernel: conntrack events of connections
// through redirects, expectation events, and the resynchronisation after lost events.
//
// A connection belongs to the action that holds its original destination (internal
// address and port) if it really went through that redirect: replies come from the
// action's target, the client is one the action admits, and for an expectation-backed
// action conntrack created it from the expectation (a NEW with the master tuple). Only
// conntrack events make a connection "established"; an expectation's disappearance never
// does (its connection's first packet may have been dropped).
#include "redirect/ExpectationPlan.hpp"
#include "redirect/SessionRegistry.hpp"

#include <chrono>
#include <set>

namespace fwx::redirect {

Notices SessionRegistry::onFlow(const FlowEvent& event) {
    Notices notices;
    if (event.type == FlowEventType::Destroy) {
        flowGone(event.flow, notices);
    } else {
        flowSeen(event.flow, notices);
    }
    return notices;
}

void SessionRegistry::flowSeen(const Flow& flow, Notices& notices) {
    portFlows_.seen(flow);
    TrackedFlow* tracked = tracker_.find(flow);
    if (tracked == nullptr) {
        const auto id = tracker_.routeOf(flow.transport, flow.internal);
        if (!id) {
            return;
        }
        Action& action = actions_.at(*id);
        if (!wentThrough(action, flow)) {
            removeStale(flow, notices);
            return;
        }
        tracked = &tracker_.track(action.id, flow);
        admitted(action, notices);
    } else {
        tracked->flow = flow;
    }
    if (flow.established && !tracked->establishedAt) {
        established(actions_.at(tracked->action), *tracked, notices);
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
        action.state = ActionState::Consumed;
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
        action.state = ActionState::Established;
    }
    notices.connections.push_back({ConnectionNotice::Kind::Established, action.id, action.session,
                                   sessions_.at(action.session).owner.name, tracked.flow,
                                   std::chrono::microseconds{0}});
    notices.changed.push_back(action.id);
}

void SessionRegistry::flowGone(const Flow& flow, Notices& notices) {
    portFlows_.gone(flow);
    const TrackedFlow* tracked = tracker_.find(flow);
    if (tracked == nullptr) {
        return;
    }
    const TrackedFlow gone = *tracked;
    tracker_.untrack(FlowKey::of(flow));
    closed(actions_.at(gone.action), gone, flow, notices);
}

// The last connection of a permission that admits nothing more (used up, or ended with
// its primary while connections lived) takes the port with it.
void SessionRegistry::closed(Action& action, const TrackedFlow& tracked, const Flow& last,
                             Notices& notices) {
    if (tracked.establishedAt) {
        const auto duration = std::chrono::duration_cast<std::chrono::microseconds>(
            clock_.steadyNow() - *tracked.establishedAt);
        notices.connections.push_back({ConnectionNotice::Kind::Closed, action.id, action.session,
                                       sessions_.at(action.session).owner.name, last, duration});
    }
    if (action.redirect.singleUse && action.state == ActionState::Established) {
        action.state = ActionState::Consumed;
        notices.changed.push_back(action.id);
    }
    if (!action.permits() && holdsPort(action) && tracker_.liveFlowsOf(action.id) == 0) {
        release(action, notices);
    }
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
    } else if (action.permits()) {
        notices.ended.push_back(endedOf(action, EndReason::Cancelled));
        action.state = ActionState::Cancelled;
        clearDeadline(action);
        release(action, notices);
    }
}

// Every permission still open on the primary ends with it; connections already made
// through them go on.
void SessionRegistry::primaryClosed(const PrimaryConnection& primary, Notices& notices) {
    for (auto& [id, session] : sessions_) {
        const auto& own = session.options.primary;
        if (!own || own->transport != primary.transport || own->client != primary.client ||
            own->server != primary.server) {
            continue;
        }
        for (const ActionId actionId : session.actions) {
            Action& action = actions_.at(actionId);
            if (!action.redirect.expected || !action.permits()) {
                continue;
            }
            notices.ended.push_back(endedOf(action, EndReason::PrimaryClosed));
            action.state = ActionState::Cancelled;
            clearDeadline(action);
            if (tracker_.liveFlowsOf(action.id) == 0) {
                release(action, notices);
            } else {
                removeExpectation(action);
            }
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
    for (auto& [id, action] : actions_) {
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
