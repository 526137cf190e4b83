// fwx::bench::measureFlowRate: how many new connections a second the firewall forwards
// through a redirect. Each flow is one UDP datagram from a new socket in the client
// namespace to the redirect (ALLOW_MULTIPLE, so every flow is admitted), counted on
// arrival in the server namespace. Only the first packet of a connection meets fwxd's
// sets, so this is the per-connection cost of its ruleset, plus the lab's fixed costs.
#pragma once

#include "lab/Netns.hpp"
#include "lab/SocketAddress.hpp"

#include <cstddef>

namespace fwx::bench {

struct FlowRate {
    std::size_t sent = 0;
    std::size_t received = 0;
    double seconds = 0;   // first send to last arrival
    double fwxdCpuMs = 0; // fwxd's CPU time (utime + stime) meanwhile, filled in by the caller
    double perSecond() const noexcept {
        return seconds > 0 ? static_cast<double>(received) / seconds : 0;
    }
};

// Sends flows datagrams as fast as one thread can, from client to destination; receiver
// (inside server) is where the redirect leads. Waits at most 2 s for stragglers.
FlowRate measureFlowRate(const test::Netns& client, const test::SocketAddress& destination,
                         const test::Netns& server, const test::SocketAddress& receiver,
                         std::size_t flows);

} // namespace fwx::bench
