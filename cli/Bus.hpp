// Connecting to the bus named by --bus, and a single-threaded loop that dispatches its
// messages until told to stop or until SIGINT/SIGTERM.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

namespace fwx::cli {

// bus: "system", "session" or a D-Bus address ("unix:path=/run/fwxd-lab/bus"). Throws
// Failure with ExitCode::Unavailable when there is no such bus.
std::unique_ptr<sdbus::IConnection> connectBus(const std::string& bus);

// Dispatches the connection's messages in this thread. No thread of sdbus-c++'s own: a
// message is only ever handled inside run() or drain(), never behind the caller's back.
// Construct it before anything else runs: it blocks SIGINT and SIGTERM and receives them
// through a signalfd.
class BusLoop {
public:
    explicit BusLoop(sdbus::IConnection& connection);
    ~BusLoop();
    BusLoop(const BusLoop&) = delete;
    BusLoop& operator=(const BusLoop&) = delete;

    enum class End { Stopped, Signal, TimedOut };
    // Until a handler calls stop(), SIGINT/SIGTERM arrives or the limit (if any) is over.
    End run(std::optional<std::chrono::milliseconds> limit = std::nullopt);
    void stop() noexcept { stopped_ = true; }
    // Handles every message already received, without waiting for more.
    void drain();

private:
    sdbus::IConnection& connection_;
    int signalFd_ = -1;
    bool stopped_ = false;
};

} // namespace fwx::cli
