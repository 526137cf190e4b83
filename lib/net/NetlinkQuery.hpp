// NetlinkQuery: dump requests and their multi-part answers over one netlink socket that is
// kept open between queries. Internal to lib/net: the queries of LocalAddresses and
// SocketTable are built on it.
#pragma once

#include "net/NetlinkSocket.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

struct nlmsghdr;

namespace fwx::net {

class NetlinkQuery {
public:
    using Handler = std::function<void(const nlmsghdr&)>;

    // A query on the netlink bus (NETLINK_ROUTE, NETLINK_SOCK_DIAG, ...). The socket is
    // opened by the first dump.
    explicit NetlinkQuery(int bus);

    // Sends request (type, flags and payload filled in; the sequence number is set here)
    // and returns what parse made of each message of the answer (nullopt: skip it). Starts
    // over when the kernel flags the dump as interrupted by changes to its table. Throws
    // fwx::Error(Failed) naming what was being dumped; exceptions of parse pass through.
    template <typename T>
    std::vector<T> dump(nlmsghdr& request, std::string_view what,
                        const std::function<std::optional<T>(const nlmsghdr&)>& parse) {
        // Interruptions need a table that changes all the time; give up after a few.
        constexpr int Attempts = 5;
        std::vector<T> results;
        for (int attempt = 0; attempt < Attempts; ++attempt) {
            results.clear();
            const bool complete = dumpOnce(request, what, [&](const nlmsghdr& message) {
                if (auto result = parse(message)) {
                    results.push_back(std::move(*result));
                }
            });
            if (complete) {
                return results;
            }
        }
        throwInterrupted(what, Attempts);
    }

private:
    // False when the kernel flagged the dump as interrupted (NLM_F_DUMP_INTR).
    bool dumpOnce(nlmsghdr& request, std::string_view what, const Handler& onMessage);
    bool receiveAll(std::uint32_t sequence, std::string_view what, const Handler& onMessage);
    [[noreturn]] static void throwInterrupted(std::string_view what, int attempts);

    int bus_;
    // Dropped after any failure: the rest of an answer left in it would confuse the next
    // query. Reopened by the next one.
    std::optional<NetlinkSocket> socket_;
    std::uint32_t sequence_ = 0;
    std::vector<char> buffer_;
};

} // namespace fwx::net
