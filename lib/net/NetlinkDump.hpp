// One netlink dump request and its multi-part answer, over libmnl. Internal: the queries of
// lib/net (LocalAddresses, SocketTable) are built on it.
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

struct nlmsghdr;

namespace fwx::net::detail {

using DumpHandler = std::function<void(const nlmsghdr&)>;

// Sends request (type, flags and payload filled in; the sequence number is set here) on a
// fresh socket of the netlink bus and calls onMessage for every message of the answer.
// Returns false when the kernel flagged the dump as interrupted (NLM_F_DUMP_INTR: the
// table changed while it was being dumped), so that the caller starts over. Throws
// fwx::Error(Failed) naming what was being dumped; exceptions of onMessage pass through.
bool dumpOnce(int bus, nlmsghdr& request, std::string_view what, const DumpHandler& onMessage);

[[noreturn]] void throwInterrupted(std::string_view what, int attempts);

// Runs the dump until one completes uninterrupted and returns what parse made of its
// messages (nullopt: not interesting, skip it).
template <typename T>
std::vector<T> dump(int bus, nlmsghdr& request, std::string_view what,
                    const std::function<std::optional<T>(const nlmsghdr&)>& parse) {
    // Interruptions need a table that changes all the time; give up after a few.
    constexpr int kAttempts = 5;
    std::vector<T> results;
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        results.clear();
        const bool complete = dumpOnce(bus, request, what, [&](const nlmsghdr& message) {
            if (auto result = parse(message)) {
                results.push_back(std::move(*result));
            }
        });
        if (complete) {
            return results;
        }
    }
    throwInterrupted(what, kAttempts);
}

} // namespace fwx::net::detail
