#pragma once

#include "daemon/EventLoop.hpp"
#include "redirect/Flow.hpp"
#include "redirect/RelayBackend.hpp"
#include "relay/RelayPool.hpp"
#include "relay/UniqueFd.hpp"

#include <functional>
#include <memory>
#include <variant>
#include <vector>

namespace fwx::daemon {

// What the user-mode relays report, held until the loop's next turn: a relay reports from
// inside its own callbacks, or from inside the registry's call that stops it, where the
// registry must not be entered again. Events go to their consumer in the order they came.
class RelayEventQueue final : public redirect::RelayEvents, public relay::HandOverSink {
public:
    // A data filter's connection: the flow as established, and both sockets.
    struct HandedOver {
        redirect::Flow flow;
        relay::UniqueFd client;
        relay::UniqueFd target;
    };
    using Consumer = std::function<void(const redirect::FlowEvent&)>;
    using HandOverConsumer = std::function<void(HandedOver)>;

    explicit RelayEventQueue(EventLoop& loop)
        : loop_(loop) {}
    RelayEventQueue(const RelayEventQueue&) = delete;
    RelayEventQueue& operator=(const RelayEventQueue&) = delete;

    // Who takes the events (SessionObjects, which is built after the relays it hears of).
    void deliverTo(Consumer consumer) { consumer_ = std::move(consumer); }
    // Who takes the data filters' connections (HandOvers). Without one they are dropped.
    void handOversTo(HandOverConsumer consumer) { handOverConsumer_ = std::move(consumer); }
    // Hands over everything queued now; called on the loop's next turn, and before
    // deadlines are settled (a permission that a client used must not expire).
    void drain();

    void onRelayed(const redirect::FlowEvent& event) noexcept override;
    void onRelayError(const Error& error) noexcept override;
    void onHandedOver(const redirect::Flow& flow, relay::UniqueFd client,
                      relay::UniqueFd target) noexcept override;

private:
    void schedule();

    EventLoop& loop_;
    Consumer consumer_;
    HandOverConsumer handOverConsumer_;
    // In the order they came: a hand-over after the New event of its connection.
    std::vector<std::variant<redirect::FlowEvent, HandedOver>> queued_;
    bool drainScheduled_ = false;
};

} // namespace fwx::daemon
