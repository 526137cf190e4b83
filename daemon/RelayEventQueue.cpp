#include "daemon/RelayEventQueue.hpp"

#include "daemon/Log.hpp"

#include <exception>
#include <utility>

namespace fwx::daemon {

void RelayEventQueue::drain() {
    drainScheduled_ = false;
    // The consumer may stop relays, which report again: those wait for the next drain.
    std::vector<std::variant<redirect::FlowEvent, HandedOver>> items = std::exchange(queued_, {});
    for (auto& item : items) {
        if (auto* event = std::get_if<redirect::FlowEvent>(&item)) {
            if (consumer_) {
                consumer_(*event);
            }
        } else if (handOverConsumer_) {
            handOverConsumer_(std::move(std::get<HandedOver>(item)));
        }
    }
}

void RelayEventQueue::schedule() {
    if (!drainScheduled_) {
        loop_.defer([this] { drain(); });
        drainScheduled_ = true;
    }
}

void RelayEventQueue::onRelayed(const redirect::FlowEvent& event) noexcept {
    try {
        queued_.emplace_back(event);
        schedule();
    } catch (const std::exception& e) {
        log::error(log::Event::InternalError, {}, "queueing a relay event: {}", e.what());
    }
}

void RelayEventQueue::onHandedOver(const redirect::Flow& flow, relay::UniqueFd client,
                                   relay::UniqueFd target) noexcept {
    try {
        queued_.emplace_back(HandedOver{flow, std::move(client), std::move(target)});
        schedule();
    } catch (const std::exception& e) {
        log::error(log::Event::InternalError, {}, "queueing a hand-over: {}", e.what());
    }
}

void RelayEventQueue::onRelayError(const Error& error) noexcept {
    try {
        log::warning(log::Event::None, {}, "user-mode relay: {}", error.what());
    } catch (...) { // NOLINT(bugprone-empty-catch): nothing left to tell it to
    }
}

} // namespace fwx::daemon
