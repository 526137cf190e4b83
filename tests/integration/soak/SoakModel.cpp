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
    if (singleUse() && reached > 0) {
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

std::set<std::string> ModelAction::allowedStates(SteadyTime now, milliseconds margin) const {
    const Phase p = phase(now, margin);
    if (reached == 0) {
        switch (p) {
        case Phase::Open:
            return {state::Pending};
        case Phase::Over:
            return {state::Expired};
        case Phase::Closing:
            break;
        }
        return {state::Pending, state::Expired};
    }
    if (singleUse()) {
        // Consumed once admitted, established once the target answered, consumed again
        // when conntrack destroyed the connection.
        return {state::Consumed, state::Established};
    }
    switch (p) {
    case Phase::Open:
        return {state::Established};
    case Phase::Over:
        return {state::Consumed};
    case Phase::Closing:
        break;
    }
    return {state::Established, state::Consumed};
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

void SoakModel::remember(const ModelAction& action) {
    gone.push_back(action);
    if (gone.size() > GoneKept) {
        gone.pop_front();
    }
}

void SoakModel::removeAction(const sdbus::ObjectPath& path) {
    const auto it = actions.find(path);
    if (it == actions.end()) {
        return;
    }
    auto& list = sessions.at(it->second.session).actions;
    list.erase(std::remove(list.begin(), list.end(), path), list.end());
    remember(it->second);
    actions.erase(it);
}

void SoakModel::removeSession(const sdbus::ObjectPath& path) {
    const auto it = sessions.find(path);
    if (it == sessions.end()) {
        return;
    }
    for (const sdbus::ObjectPath& action : it->second.actions) {
        remember(actions.at(action));
        actions.erase(action);
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
        removeSession(path);
    }
    std::erase_if(expiries, [&](const ExpectedExpiry& e) { return e.client == id; });
    clients.erase(id);
}

std::size_t SoakModel::sessionsOf(int client) const {
    return static_cast<std::size_t>(
        std::count_if(sessions.begin(), sessions.end(),
                      [&](const auto& s) { return s.second.client == client; }));
}

std::size_t SoakModel::actionsOf(int client) const {
    return static_cast<std::size_t>(std::count_if(
        actions.begin(), actions.end(), [&](const auto& a) { return a.second.client == client; }));
}

std::size_t SoakModel::sessionsOfUid(uid_t uid) const {
    return static_cast<std::size_t>(
        std::count_if(sessions.begin(), sessions.end(),
                      [&](const auto& s) { return clients.at(s.second.client).uid == uid; }));
}

std::size_t SoakModel::actionsOfUid(uid_t uid) const {
    return static_cast<std::size_t>(
        std::count_if(actions.begin(), actions.end(),
                      [&](const auto& a) { return clients.at(a.second.client).uid == uid; }));
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
