// fwx::bench::RedirectFiller: a separate client with one session that holds the bulk of
// fwxd's redirects, added with large requests (up to 1024 targets each, TCP and UDP in
// turn), the way a benchmark puts fwxd at a given scale.
#pragma once

#include "BusClient.hpp"

#include <cstddef>
#include <map>
#include <string>

namespace fwx::bench {

struct FillResult {
    std::size_t added = 0;
    std::size_t requests = 0;
    double seconds = 0;
    std::map<std::string, std::size_t> errors; // by D-Bus error name
};

class RedirectFiller {
public:
    // Connects to the bus and opens its session. Targets are target:(30000 + i); requests
    // have up to chunk targets.
    RedirectFiller(const std::string& busAddress, std::string target, std::size_t chunk);

    // Adds redirects until its session holds count. When a request of a transport fails
    // (PortsExhausted: no run of that many consecutive ports left; Failed) the next ones
    // of that transport get half as large, down to one port; the errors are in the
    // result. Throws std::runtime_error if neither transport can take one more.
    FillResult growTo(std::size_t count);
    std::size_t size() const noexcept { return held_; }

    // Session1.Close: fwxd removes everything the session holds before it answers. The next
    // growTo() opens a new session.
    void closeSession();
    // Leaves the bus: fwxd learns it from the bus and cleans up on its own time.
    void disconnect() noexcept;

private:
    BusClient client_;
    std::string session_;
    std::string target_;
    std::size_t held_ = 0;
    std::size_t chunk_;
    std::size_t tcpChunk_;
    std::size_t udpChunk_;
    bool nextIsTcp_ = true;
};

} // namespace fwx::bench
