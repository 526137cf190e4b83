// fwx::bench::ClientPool: the measuring clients. Each has its own bus connection, its own
// session (OpenSession with an empty a{sv}) and, while it measures, its own thread; the
// clients of one measurement start together and run for the same time.
#pragma once

#include "BusClient.hpp"
#include "Percentiles.hpp"

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace fwx::bench {

struct LoadResult {
    std::size_t clients = 0;
    std::size_t targets = 0; // N per request; 0 for Ping
    Percentiles latencyUs;   // the measured call: Ping or RedirectConnections
    Percentiles cancelUs;    // each Action1.Cancel
    std::size_t cycles = 0;  // completed cycles (request + its cancels), all clients
    double seconds = 0;      // from the common start until the last client stopped
    std::map<std::string, std::size_t> errors; // by D-Bus error name
    double cyclesPerSecond() const noexcept {
        return seconds > 0 ? static_cast<double>(cycles) / seconds : 0;
    }
};

class ClientPool {
public:
    // Connects count clients to busAddress and opens a session for each. Redirect targets
    // are target:(40000 + i).
    ClientPool(const std::string& busAddress, std::size_t count, std::string target);

    std::size_t size() const noexcept { return workers_.size(); }

    // Each of the first clients clients pings fwxd (Peer.Ping) back to back for seconds.
    LoadResult ping(std::size_t clients, double seconds);
    // Each of the first clients clients runs cycles back to back for about seconds (at
    // least minCycles each, however slow): RedirectConnections of targets TCP targets,
    // flags 0, then Cancel of every action it returned.
    LoadResult redirectCancel(std::size_t clients, std::size_t targets, double seconds,
                              std::size_t minCycles);

    // The client at index, for single-threaded use between measurements.
    BusClient& client(std::size_t index) { return workers_.at(index).client; }

private:
    struct Worker {
        BusClient client;
        std::string session;
    };
    struct Sample {
        std::vector<double> latencyUs;
        std::vector<double> cancelUs;
        std::size_t cycles = 0;
        std::map<std::string, std::size_t> errors;
    };
    using Cycle = std::function<void(Worker&, Sample&)>;

    LoadResult run(std::size_t clients, double seconds, std::size_t minCycles, const Cycle& cycle);

    std::vector<Worker> workers_;
    std::string target_;
};

} // namespace fwx::bench
