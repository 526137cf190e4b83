// What fwxctl redirect knows about one of its actions from the signals it received: whether
// the action still admits connections, and whether it has finished (docs/dbus-api.md,
// Action1 lifetime).
#pragma once

#include <string>

namespace fwx::cli {

class ActionProgress {
public:
    // Expired(reason): nothing more is admitted.
    void expired() { admitting_ = false; }
    // A new State from PropertiesChanged.
    void state(const std::string& state);
    // Finished(state, connections): the action's last signal. fwxd sends it once the action
    // admits nothing more and every connection through it has ended, whether or not fwxctl
    // saw those connections (one admitted but never established sends neither Established
    // nor Closed).
    void finished() {
        admitting_ = false;
        finished_ = true;
    }

    // Nothing more is admitted: used up, expired or cancelled.
    bool ended() const noexcept { return !admitting_; }
    // Finished has arrived: --exit-when-done waits for this.
    bool done() const noexcept { return finished_; }

private:
    bool admitting_ = true;
    bool finished_ = false;
};

} // namespace fwx::cli
