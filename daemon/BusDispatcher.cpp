#include "daemon/BusDispatcher.hpp"

#include "daemon/SdBus.hpp"
#include "error/Error.hpp"

#include <cstdint>
#include <ctime>
#include <exception>
#include <limits>
#include <string>
#include <utility>

namespace fwx::daemon {

namespace {
constexpr std::uint64_t NoTimeout = std::numeric_limits<std::uint64_t>::max();

void check(int r, const char* what) {
    if (r < 0) {
        throwSystemError(std::string("bus dispatch: ") + what, -r);
    }
}
} // namespace

BusDispatcher::BusDispatcher(EventLoop& loop, sdbus::IConnection& connection, LostHandler onLost)
    : connection_(connection)
    , bus_(sdBusOf(connection))
    , onLost_(std::move(onLost)) {
    const auto poll = connection_.getEventLoopPollData();
    sd_event_source* io = nullptr;
    check(sd_event_add_io(loop.get(), &io, poll.fd, static_cast<std::uint32_t>(poll.events), onIo,
                          this),
          "watching the bus fd");
    io_ = EventSource(io);
    check(sd_event_source_set_prepare(io, onPrepare), "adding the prepare callback");

    sd_event_source* timer = nullptr;
    check(sd_event_add_time(loop.get(), &timer, CLOCK_MONOTONIC, NoTimeout, 0, onTimer, this),
          "adding the bus timer");
    timer_ = EventSource(timer);
    check(sd_event_source_set_enabled(timer, SD_EVENT_OFF), "disabling the bus timer");
}

int BusDispatcher::onIo(sd_event_source* /*source*/, int /*fd*/, std::uint32_t /*revents*/,
                        void* self) {
    return static_cast<BusDispatcher*>(self)->dispatch();
}

int BusDispatcher::onTimer(sd_event_source* /*source*/, std::uint64_t /*usec*/, void* self) {
    return static_cast<BusDispatcher*>(self)->dispatch();
}

int BusDispatcher::onPrepare(sd_event_source* /*source*/, void* self) {
    return static_cast<BusDispatcher*>(self)->refresh();
}

// Returning an error would make sd-event disable the source and leave the daemon deaf, so
// a message that fails to dispatch is dropped and dispatch goes on with the next one —
// unless the connection itself is gone.
int BusDispatcher::dispatch() noexcept {
    std::string failure = "the connection was closed";
    try {
        while (connection_.processPendingRequest()) {
            if (afterEachMessage_) {
                afterEachMessage_();
            }
        }
    } catch (const std::exception& e) {
        failure = e.what();
    }
    lost(failure);
    return 0;
}

int BusDispatcher::refresh() noexcept {
    if (lost("the connection was closed")) {
        return 0;
    }
    try {
        const auto poll = connection_.getEventLoopPollData();
        int r = sd_event_source_set_io_events(io_.get(), static_cast<std::uint32_t>(poll.events));
        if (r < 0) {
            return r;
        }
        if (poll.timeout_usec == NoTimeout) {
            return sd_event_source_set_enabled(timer_.get(), SD_EVENT_OFF);
        }
        r = sd_event_source_set_time(timer_.get(), poll.timeout_usec);
        if (r < 0) {
            return r;
        }
        return sd_event_source_set_enabled(timer_.get(), SD_EVENT_ONESHOT);
    } catch (const std::exception& e) {
        lost(e.what());
        return 0;
    }
}

bool BusDispatcher::lost(const std::string& why) noexcept {
    if (lost_) {
        return true;
    }
    if (sd_bus_is_open(bus_) > 0) {
        return false;
    }
    lost_ = true;
    sd_event_source_set_enabled(io_.get(), SD_EVENT_OFF);
    sd_event_source_set_enabled(timer_.get(), SD_EVENT_OFF);
    try {
        onLost_(why);
    } catch (const std::exception&) {
        // onLost_ only logs and asks the loop to exit; there is nothing more to do.
    }
    return true;
}

} // namespace fwx::daemon
