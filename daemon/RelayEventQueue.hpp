#pragma once

#include "daemon/EventLoop.hpp"
#include "redirect/Flow.hpp"
#include "redirect/RelayBackend.hpp"

#include <functional>
#include <vector>

namespace fwx::daemon {

// What the user-mode relays report, held until the loop's next turn: a relay reports from
// inside its own callbacks, or from inside the registry's call that stops it, where the
// registry must not be entered again. Events go to their consumer in the order they came.
class RelayEventQueue final : public redirect::RelayEvents {
public:
    using Consumer = std::function<void(const redirect::FlowEvent&)>;

    explicit RelayEventQueue(EventLoop& loop)
        : loop_(loop) {}
    RelayEventQueue(const RelayEventQueue&) = delete;
    RelayEventQueue& operator=(const RelayEventQueue&) = delete;

    // Who takes the events (SessionObjects, which is built after the relays it hears of).
    void deliverTo(Consumer consumer) { consumer_ = std::move(consumer); }
    // Hands over everything queued now; called on the loop's next turn, and before
    // deadlines are settled (a permission that a client used must not expire).
    void drain();

    void onRelayed(const redirect::FlowEvent& event) noexcept override;
    void onRelayError(const Error& error) noexcept override;

private:
    EventLoop& loop_;
    Consumer consumer_;
    std::vector<redirect::FlowEvent> queued_;
    bool drainScheduled_ = false;
};

} // namespace fwx::daemon
