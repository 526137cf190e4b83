#include "daemon/RelayEventQueue.hpp"

#include "daemon/Log.hpp"

#include <exception>
#include <utility>

namespace fwx::daemon {

void RelayEventQueue::drain() {
    drainScheduled_ = false;
    // The consumer may stop relays, which report again: those wait for the next drain.
    const std::vector<redirect::FlowEvent> events = std::exchange(queued_, {});
    for (const redirect::FlowEvent& event : events) {
        if (consumer_) {
            consumer_(event);
        }
    }
}

void RelayEventQueue::onRelayed(const redirect::FlowEvent& event) noexcept {
    try {
        queued_.push_back(event);
        if (!drainScheduled_) {
            loop_.defer([this] { drain(); });
            drainScheduled_ = true;
        }
    } catch (const std::exception& e) {
        log::error(log::Event::InternalError, {}, "queueing a relay event: {}", e.what());
    }
}

void RelayEventQueue::onRelayError(const Error& error) noexcept {
    try {
        log::warning(log::Event::None, {}, "user-mode relay: {}", error.what());
    } catch (...) { // NOLINT(bugprone-empty-catch): nothing left to tell it to
    }
}

} // namespace fwx::daemon
