#pragma once

#include "relay/Reactor.hpp"

#include <memory>
#include <utility>
#include <vector>

namespace fwx::relay {

// Where a relay puts a connection that ended: a connection ends inside one of its own
// callbacks, with its member functions still on the stack, so it is freed on the loop's
// next iteration instead. Its sockets are closed by then already; only memory waits here.
template <typename T> class Graveyard {
public:
    // Throws fwx::Error(Failed) if the loop cannot make a timer.
    explicit Graveyard(Reactor& reactor)
        : reactor_(reactor)
        , reaper_(reactor.timer([this] { reap(); })) {}
    Graveyard(const Graveyard&) = delete;
    Graveyard& operator=(const Graveyard&) = delete;

    void bury(std::unique_ptr<T> dead) {
        dead_.push_back(std::move(dead));
        reaper_->arm(reactor_.now());
    }

private:
    void reap() {
        // Moved out first: whatever the destructors do, they cannot touch dead_ while it
        // is being cleared.
        auto dead = std::exchange(dead_, {});
    }

    Reactor& reactor_;
    std::unique_ptr<Reactor::Timer> reaper_;
    std::vector<std::unique_ptr<T>> dead_;
};

} // namespace fwx::relay
