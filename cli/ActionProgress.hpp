// What fwxctl redirect knows about one of its actions from the signals it received: whether
// the action still admits connections, and which of its connections are still open.
#pragma once

#include <cstdint>
#include <string>

namespace fwx::cli {

class ActionProgress {
public:
    explicit ActionProgress(bool singleUse)
        : singleUse_(singleUse) {}

    void established() {
        ++established_;
        ++open_;
    }
    void closed() {
        if (open_ > 0) {
            --open_;
        }
    }
    // Expired(reason): nothing more is admitted.
    void expired() { admitting_ = false; }
    // A new State from PropertiesChanged.
    void state(const std::string& state);

    // Nothing more is admitted: used up, expired or cancelled.
    bool ended() const noexcept { return !admitting_; }
    // Ended, and every connection it admitted has closed: --exit-when-done waits for this.
    bool finished() const noexcept { return ended() && open_ == 0 && !awaitingEstablished(); }

private:
    // A single-use permission is "consumed" as soon as its one connection is admitted, before
    // the target answered: that connection's Established (and then its Closed) is still to
    // come.
    bool awaitingEstablished() const noexcept {
        return singleUse_ && consumed_ && established_ == 0;
    }

    bool singleUse_;
    bool admitting_ = true;
    bool consumed_ = false;
    std::uint64_t established_ = 0;
    std::uint64_t open_ = 0;
};

} // namespace fwx::cli
