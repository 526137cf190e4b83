// fwx::bench::RedirectFiller: a separate client with one session that holds the bulk of
// fwxd's redirects, added with large requests (TCP and UDP in turn), the way a benchmark
// puts fwxd at a given scale.
#pragma once

#include "BusClient.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace fwx::bench {

struct FillResult {
    std::size_t added = 0;
    std::size_t requests = 0;
    double seconds = 0;
    bool complete = true; // false: fwxd refused more before the count was reached
    std::map<std::string, std::size_t> errors; // by D-Bus error name
};

class RedirectFiller {
public:
    // Connects to the bus and opens its session. Requests have up to chunk targets at
    // target:(30000 + i), with flags (e.g. 0x1 ALLOW_MULTIPLE).
    RedirectFiller(const std::string& busAddress, std::string target, std::size_t chunk,
                   std::uint32_t flags);

    // Adds redirects until its session holds count. When a request of a transport fails
    // (PortsExhausted: no run of that many consecutive ports left; or any other error)
    // the next ones of that transport get half as large, down to one port; the errors are
    // counted in the result. Stops, incomplete, once neither transport can take one more.
    FillResult growTo(std::size_t count);
    std::size_t size() const noexcept { return held_; }

    // Session1.Close: fwxd removes everything the session holds before it answers. The next
    // growTo() opens a new session.
    void closeSession();
    // Leaves the bus: fwxd learns it from the bus and cleans up on its own time.
    void disconnect() noexcept;
    // The filler's connection, e.g. for BusClient::setCallTimeout().
    BusClient& client() noexcept { return client_; }

private:
    BusClient client_;
    std::string session_;
    std::string target_;
    std::size_t chunk_;
    std::uint32_t flags_;
    std::size_t held_ = 0;
    std::size_t tcpChunk_;
    std::size_t udpChunk_;
    bool nextIsTcp_ = true;
};

} // namespace fwx::bench
