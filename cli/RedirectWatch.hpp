// fwxctl redirect's view of its actions: prints every event of them as it arrives and stops
// the BusLoop once what it waits for has happened.
#pragma once

#include "cli/ActionProgress.hpp"
#include "cli/Bus.hpp"
#include "cli/Output.hpp"
#include "cli/Proxies.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fwx::cli {

class RedirectWatch {
public:
    // What stops the loop.
    enum class Goal {
        Nothing,  // run until SIGINT/SIGTERM
        Finished, // --exit-when-done: every action's Finished has arrived
        Ended,    // after fwxctl closed the session: every action's end has been reported
    };

    RedirectWatch(const Output& out, BusLoop& loop);

    // The fwxd that holds the redirects leaving the bus (stopped, restarted, crashed) takes
    // them all with it: that is printed, and run() returns. Call it before the session is
    // opened, so that no restart can fall between the two unseen.
    void followService(sdbus::IConnection& connection);
    bool serviceLeft() const noexcept { return serviceLeft_; }

    void add(sdbus::IConnection& connection, const std::string& path);
    // Dispatches events until the goal is reached (at once if it already is), SIGINT/SIGTERM,
    // or the limit.
    BusLoop::End run(Goal goal, std::optional<std::chrono::milliseconds> limit = std::nullopt);
    // Events after this are not printed (e.g. after --exit-when-done's last one, the
    // session's own Close ends nothing that is worth a line).
    void mute() { muted_ = true; }

private:
    void connection(const std::string& path, const std::string& event, const Properties& details);
    void expired(const std::string& path, const std::string& reason);
    void finished(const std::string& path, const std::string& state, std::uint32_t connections);
    void propertiesChanged(const std::string& path, const Properties& changed);
    void nameOwnerChanged(sdbus::Message& message);
    bool reached() const;
    void check();

    const Output& out_;
    BusLoop& loop_;
    Goal goal_ = Goal::Nothing;
    bool muted_ = false;
    bool serviceLeft_ = false;
    sdbus::Slot serviceMatch_;
    std::map<std::string, ActionProgress> actions_;
    std::vector<std::unique_ptr<ActionProxy>> proxies_;
};

} // namespace fwx::cli
