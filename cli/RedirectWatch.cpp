#include "cli/RedirectWatch.hpp"

#include "cli/PropertyFormat.hpp"

#include <algorithm>
#include <utility>

namespace fwx::cli {

RedirectWatch::RedirectWatch(const Output& out, BusLoop& loop, bool singleUse)
    : out_(out)
    , loop_(loop)
    , singleUse_(singleUse) {
}

void RedirectWatch::add(sdbus::IConnection& connection, const std::string& path) {
    actions_.emplace(path, ActionProgress(singleUse_));
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
        return all(&ActionProgress::finished);
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
    ActionProgress& action = actions_.at(path);
    if (event == "established") {
        action.established();
    } else {
        action.closed();
    }
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
