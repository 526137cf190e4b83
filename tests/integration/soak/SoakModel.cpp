#include "SoakModel.hpp"

#include <algorithm>

namespace fwx::test::soak {

namespace {
// How many gone actions are kept for traffic probes, and expected expiries for checks.
constexpr std::size_t GoneKept = 64;
constexpr std::size_t ExpiriesKept = 512;
} // namespace

Phase ModelAction::phase(SteadyTime now, milliseconds margin) const {
    if (!timed()) {
        return Phase::Open;
    }
    // The deadline is the kernel's: it lies between the call and its answer, plus the timeout.
    if (now + margin < calledAt + *timeout) {
        return Phase::Open;
    }
    if (now > answeredAt + *timeout + margin) {
        return Phase::Over;
    }
    return Phase::Closing;
}

std::optional<bool> ModelAction::admits(SteadyTime now, milliseconds margin) const {
    if (withdrawn || detached || settled || (singleUse() && reached > 0)) {
        return false;
    }
    switch (phase(now, margin)) {
    case Phase::Open:
        return true;
    case Phase::Over:
        return false;
    case Phase::Closing:
        break;
    }
    return std::nullopt;
}

// An action stays on the bus while it may admit a connection or one through it lives.
Presence ModelAction::presence(SteadyTime now, milliseconds margin, bool live) const {
    if (detached) {
        return Presence::Gone;
    }
    if (live) {
        return Presence::Listed;
    }
    const std::optional<bool> open = admits(now, margin);
    if (!open) {
        return Presence::Either;
    }
    return *open ? Presence::Listed : Presence::Gone;
}

std::set<std::string> ModelAction::allowedStates(SteadyTime now, milliseconds margin) const {
    if (singleUse() && reached > 0) {
        // Consumed once admitted, established once the target answered; consumed again
        // when the connection ended, at which point it finishes.
        return {state::Consumed, state::Established};
    }
    if (withdrawn) {
        return endStates;
    }
    if (reached == 0) {
        // An unused permission that lapsed (expired) admits nothing and has no connection:
        // it finishes at once.
        return {state::Pending};
    }
    if (settled) {
        return {state::Consumed};
    }
    switch (phase(now, margin)) {
    case Phase::Open:
        return {state::Established};
    case Phase::Over:
        return {state::Consumed};
    case Phase::Closing:
        break;
    }
    return {state::Established, state::Consumed};
}

std::set<std::string> ModelAction::finishStates() const {
    if (reached == 0) {
        // Detached ones finish with their session, without Finished, unless they had
        // expired before it closed.
        return {withdrawn ? state::Cancelled : state::Expired};
    }
    if (singleUse()) {
        return {state::Consumed};
    }
    if (withdrawn || detached) {
        return endStates;
    }
    return {state::Consumed}; // past its deadline
}

void SoakModel::addAction(ModelAction action) {
    sessions.at(action.session).actions.push_back(action.path);
    const sdbus::ObjectPath path = action.path;
    actions.emplace(path, std::move(action));
}

void SoakModel::expectExpiry(ExpectedExpiry expiry) {
    expiries.push_back(std::move(expiry));
    if (expiries.size() > ExpiriesKept) {
        expiries.pop_front();
    }
}

void SoakModel::expectFinish(ExpectedFinish finish) {
    finishes.push_back(std::move(finish));
    if (finishes.size() > ExpiriesKept) {
        finishes.pop_front();
    }
}

void SoakModel::remember(const ModelAction& action) {
    gone.push_back(action);
    if (gone.size() > GoneKept) {
        gone.pop_front();
    }
}

void SoakModel::withdraw(const sdbus::ObjectPath& path, std::set<std::string> endStates) {
    ModelAction& action = actions.at(path);
    action.withdrawn = true;
    action.endStates = std::move(endStates);
    action.endRecorded = true;
}

void SoakModel::removeSession(const sdbus::ObjectPath& path, bool ownerGone) {
    const auto it = sessions.find(path);
    if (it == sessions.end()) {
        return;
    }
    for (const sdbus::ObjectPath& id : it->second.actions) {
        ModelAction& action = actions.at(id);
        action.detached = true;
        action.ownerGone = ownerGone;
        remember(action);
    }
    sessions.erase(it);
}

void SoakModel::removeClient(int id) {
    std::vector<sdbus::ObjectPath> owned;
    for (const auto& [path, session] : sessions) {
        if (session.client == id) {
            owned.push_back(path);
        }
    }
    for (const sdbus::ObjectPath& path : owned) {
        removeSession(path, true);
    }
    for (auto& [path, action] : actions) {
        if (action.client == id) {
            action.ownerGone = true; // detached earlier, by a Close: nobody to tell now
        }
    }
    std::erase_if(expiries, [&](const ExpectedExpiry& e) { return e.client == id; });
    std::erase_if(finishes, [&](const ExpectedFinish& f) { return f.client == id; });
    clients.erase(id);
}

void SoakModel::finish(const sdbus::ObjectPath& path) {
    const auto it = actions.find(path);
    if (it == actions.end()) {
        return;
    }
    const ModelAction& action = it->second;
    if (!action.ownerGone) {
        if (!action.endRecorded) {
            // It ended on its own: an unused one expired and said so; a used one was
            // consumed, which no Expired announces.
            expectExpiry(ExpectedExpiry{action.client, path,
                                        action.reached == 0 ? std::set<std::string>{"timeout"}
                                                            : std::set<std::string>{},
                                        action.reached == 0});
        }
        expectFinish(ExpectedFinish{action.client, path, action.finishStates(), action.reached,
                                    action.finishedSignal});
    }
    if (!action.detached) {
        auto& list = sessions.at(action.session).actions;
        list.erase(std::remove(list.begin(), list.end(), path), list.end());
        remember(action);
    }
    actions.erase(it); // nothing lives through it: no connection of it is left
}

bool SoakModel::live(const sdbus::ObjectPath& action) const {
    return std::any_of(connections.begin(), connections.end(),
                       [&](const ModelConnection& c) { return c.action == action; });
}

std::size_t SoakModel::sessionsOf(int client) const {
    return static_cast<std::size_t>(
        std::count_if(sessions.begin(), sessions.end(),
                      [&](const auto& s) { return s.second.client == client; }));
}

QuotaCount SoakModel::permitting(const std::function<bool(const ModelAction&)>& whose,
                                 SteadyTime now, milliseconds margin) const {
    QuotaCount count;
    for (const auto& [path, action] : actions) {
        if (!whose(action)) {
            continue;
        }
        // Surely counted: its deadline cannot have passed yet. At most: fwxd has not said
        // that its permission is over (fwxd settles a deadline a little after it).
        if (action.admits(now, margin) == std::optional<bool>(true)) {
            ++count.surely;
        }
        if (!action.withdrawn && !action.detached && !action.settled &&
            !(action.singleUse() && action.reached > 0)) {
            ++count.atMost;
        }
    }
    return count;
}

QuotaCount SoakModel::actionsOf(int client, SteadyTime now, milliseconds margin) const {
    return permitting([&](const ModelAction& a) { return a.client == client; }, now, margin);
}

std::size_t SoakModel::sessionsOfUid(uid_t uid) const {
    return static_cast<std::size_t>(
        std::count_if(sessions.begin(), sessions.end(),
                      [&](const auto& s) { return clients.at(s.second.client).uid == uid; }));
}

QuotaCount SoakModel::actionsOfUid(uid_t uid, SteadyTime now, milliseconds margin) const {
    return permitting(
        [&](const ModelAction& a) {
            const auto client = clients.find(a.client);
            return client != clients.end() && client->second.uid == uid;
        },
        now, margin);
}

std::size_t SoakModel::protocolsOfUid(uid_t uid) const {
    return static_cast<std::size_t>(std::count_if(
        protocols.begin(), protocols.end(), [&](const auto& p) { return p.second.owner == uid; }));
}

const ModelClient* SoakModel::clientNamed(const std::string& name) const {
    for (const auto& [id, client] : clients) {
        if (client.name == name) {
            return &client;
        }
    }
    return nullptr;
}

} // namespace fwx::test::soak
