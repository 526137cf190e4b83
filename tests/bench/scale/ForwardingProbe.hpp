// fwx::bench::ForwardingProbe: is the firewall still forwarding while fwxd works?
//
// A sender thread in the client namespace sends one UDP datagram per millisecond, each
// with its sequence number and each from a new socket (a new flow, so every datagram
// crosses fwxd's nat chains and set lookups, not just a conntrack entry). A receiver
// thread in the server namespace notes when each arrives (the kernel's SO_TIMESTAMPNS).
// The longest gap between arrivals in a window says how long forwarding stalled.
#pragma once

#include "lab/Netns.hpp"
#include "lab/SocketAddress.hpp"
#include "lab/UniqueFd.hpp"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace fwx::bench {

struct ProbeWindow {
    std::size_t sent = 0;           // datagrams sent in the window
    std::size_t received = 0;       // of those, how many arrived
    double longestArrivalGapMs = 0; // between arrivals, window edges included
    double longestSendGapMs = 0;    // between sends: the probe's own scheduling on a busy box
};

class ForwardingProbe {
public:
    // Sends from client to destination (e.g. an internal address and the port of a
    // redirect to receiver); receives on receiver inside server. Starts at once.
    ForwardingProbe(const test::Netns& client, const test::SocketAddress& destination,
                    const test::Netns& server, const test::SocketAddress& receiver);
    // Stops both threads.
    ~ForwardingProbe();
    ForwardingProbe(const ForwardingProbe&) = delete;
    ForwardingProbe& operator=(const ForwardingProbe&) = delete;

    // CLOCK_REALTIME in nanoseconds, the probe's clock (the kernel's receive timestamps).
    static std::int64_t now();
    // What happened between from and to (now() values). Datagrams sent in the window that
    // are still in flight count as not received; call it a little after to.
    ProbeWindow window(std::int64_t from, std::int64_t to) const;

private:
    void send(const test::Netns& client, const test::SocketAddress& destination);
    void receive();

    test::UniqueFd socket_; // the receiver's, bound in the server namespace
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    std::vector<std::int64_t> sentAt_;    // by sequence number
    std::vector<std::int64_t> arrivedAt_; // by sequence number, 0 = not (yet)
    std::thread receiver_;
    std::thread sender_;
};

} // namespace fwx::bench
