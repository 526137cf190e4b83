#include "cli/RedirectWatch.hpp"

#include "cli/PropertyFormat.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace fwx::cli {

RedirectWatch::RedirectWatch(const Output& out, BusLoop& loop)
    : out_(out)
    , loop_(loop) {
}

void RedirectWatch::followService(sdbus::IConnection& connection) {
    serviceMatch_ = connection.addMatch(
        fmt::format("type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
                    "member='NameOwnerChanged',arg0='{}'",
                    ServiceName),
        [this](sdbus::Message& message) { nameOwnerChanged(message); });
}

// fwxd loses its name only by leaving the bus; the name's next owner is another process
// that knows nothing of this session (its paths may even be the same).
void RedirectWatch::nameOwnerChanged(sdbus::Message& message) {
    std::string name;
    std::string oldOwner;
    std::string newOwner;
    message >> name >> oldOwner >> newOwner;
    if (oldOwner.empty() || serviceLeft_) {
        return;
    }
    serviceLeft_ = true;
    if (out_.json()) {
        out_.record({{"event", "fwxd-left"}, {"owner", oldOwner}});
    } else {
        out_.line(fmt::format("fwxd ({}) left the bus: every redirect of this session ended "
                              "with it",
                              oldOwner));
    }
    loop_.stop();
}

void RedirectWatch::add(sdbus::IConnection& connection, const std::string& path) {
    actions_.emplace(path, ActionProgress());
    ActionEvents events;
    events.established = [this, path](const Properties& c) {
        this->connection(path, "established", c);
    };
    events.closed = [this, path](const Properties& c) {
        this->connection(path, "closed", c);
    };
    events.expired = [this, path](const std::string& reason) {
        expired(path, reason);
    };
    events.finished = [this, path](const std::string& state, std::uint32_t connections) {
        finished(path, state, connections);
    };
    events.changed = [this, path](const Properties& changed) {
        propertiesChanged(path, changed);
    };
    proxies_.push_back(
        std::make_unique<ActionProxy>(connection, sdbus::ObjectPath(path), std::move(events)));
}

BusLoop::End RedirectWatch::run(Goal goal, std::optional<std::chrono::milliseconds> limit) {
    goal_ = goal;
    return reached() ? BusLoop::End::Stopped : loop_.run(limit);
}

bool RedirectWatch::reached() const {
    const auto all = [this](bool (ActionProgress::*test)() const) {
        return std::all_of(actions_.begin(), actions_.end(),
                           [test](const auto& action) { return (action.second.*test)(); });
    };
    switch (goal_) {
    case Goal::Nothing:
        return false;
    case Goal::Finished:
        return all(&ActionProgress::done);
    case Goal::Ended:
        return all(&ActionProgress::ended);
    }
    return false;
}

void RedirectWatch::check() {
    if (reached()) {
        loop_.stop();
    }
}

void RedirectWatch::connection(const std::string& path, const std::string& event,
                               const Properties& details) {
    if (!muted_) {
        if (out_.json()) {
            out_.record({{"event", event}, {"action", path}, {"connection", toJson(details)}});
        } else {
            out_.line(path + " " + event + " " + toText(details));
        }
    }
    check();
}

// Every end of an action is a line, a cancel as much as a timeout: "expired cancelled".
void RedirectWatch::expired(const std::string& path, const std::string& reason) {
    actions_.at(path).expired();
    if (!muted_) {
        if (out_.json()) {
            out_.record({{"event", "expired"}, {"action", path}, {"reason", reason}});
        } else {
            out_.line(path + " expired " + reason);
        }
    }
    check();
}

// The action's last signal: "finished consumed connections=1".
void RedirectWatch::finished(const std::string& path, const std::string& state,
                             std::uint32_t connections) {
    actions_.at(path).finished();
    if (!muted_) {
        if (out_.json()) {
            out_.record({{"event", "finished"},
                         {"action", path},
                         {"state", state},
                         {"connections", connections}});
        } else {
            out_.line(
                fmt::format("{} finished {} connections={}", path, printable(state), connections));
        }
    }
    check();
}

void RedirectWatch::propertiesChanged(const std::string& path, const Properties& changed) {
    const auto state = changed.find("State");
    if (state != changed.end() && state->second.containsValueOfType<std::string>()) {
        actions_.at(path).state(state->second.get<std::string>());
    }
    if (!muted_) {
        if (out_.json()) {
            out_.record(
                {{"event", "changed"}, {"action", path}, {"properties", propertiesJson(changed)}});
        } else {
            out_.line(path + " changed " + propertiesText(changed));
        }
    }
    check();
}

} // namespace fwx::cli
