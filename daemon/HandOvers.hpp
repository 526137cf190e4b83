#pragma once

#include "daemon/EventLoop.hpp"
#include "daemon/RelayEventQueue.hpp"
#include "redirect/DataFilters.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

namespace fwx::daemon {

class SessionObjects;

// A data filter's connections, from the relay to the filter: once the target answered, the
// action's owner hears Established, fwxd calls DataFilter1.HandleConnection(client, target,
// info) on the filter's handler, and the owner hears Closed with the Reason "handed-over",
// or "data-filter-failed" (an error answer, or none in time: both sockets are shut down),
// or "no-data-filter" (the filter left the bus: both sides get a reset). fwxd keeps no
// copy of the sockets once the call is answered.
class HandOvers {
public:
    HandOvers(EventLoop& loop, sdbus::IConnection& connection, SessionObjects& sessions,
              const redirect::DataFilters& filters, RelayEventQueue& queue);
    HandOvers(const HandOvers&) = delete;
    HandOvers& operator=(const HandOvers&) = delete;
    ~HandOvers();

    std::size_t pending() const noexcept { return calls_.size(); }

private:
    void handOver(RelayEventQueue::HandedOver handed);
    void finish(const redirect::Flow& flow, const char* reason);

    EventLoop& loop_;
    sdbus::IConnection& connection_;
    SessionObjects& sessions_;
    const redirect::DataFilters& filters_;
    RelayEventQueue& queue_;
    // A call's proxy lives until its answer has been handled.
    std::map<std::uint64_t, std::unique_ptr<sdbus::IProxy>> calls_;
    std::uint64_t nextCall_ = 1;
};

} // namespace fwx::daemon
