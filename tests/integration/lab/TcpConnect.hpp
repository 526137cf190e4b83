// fwx::test::tcpConnect: a client's view of a TCP connection attempt.
#pragma once

#include "lab/Deadline.hpp"
#include "lab/SocketAddress.hpp"
#include "lab/UniqueFd.hpp"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace fwx::test {

class Netns;

enum class ConnectResult : std::uint8_t {
    Connected,   // handshake done, payload sent (and the echo read, if expected)
    Refused,     // RST or ICMP port unreachable: ECONNREFUSED / ECONNRESET
    TimedOut,    // no answer before the deadline (dropped), or no echo
    Unreachable, // ICMP host/net unreachable or prohibited, no route, local policy
};

std::string_view toString(ConnectResult result);
std::ostream& operator<<(std::ostream& out, ConnectResult result);

struct TcpConnectOptions {
    // Bind the client to this source port / address first ("" = chosen by routing).
    std::optional<std::uint16_t> sourcePort;
    std::string sourceAddress;
    // Read back as many bytes as were sent (a TcpServer with Reply::Echo).
    bool expectEcho = true;
    // Keep the connection open in TcpOutcome::connection instead of closing it; the write
    // side is then not shut down either.
    bool keepOpen = false;
};

struct TcpOutcome {
    ConnectResult result = ConnectResult::TimedOut;
    int error = 0;                      // the errno behind a failure, 0 if none
    std::string errorText;              // what went wrong, for assertion messages
    std::optional<SocketAddress> local; // the client's own address, once connected
    std::string echoed;                 // what the server sent back
    UniqueFd connection;                // with keepOpen

    bool connected() const noexcept { return result == ConnectResult::Connected; }
};

// For EXPECT_EQ(outcome.result, ...) messages: "Refused: Connection refused (ECONNREFUSED)".
std::ostream& operator<<(std::ostream& out, const TcpOutcome& outcome);

// Connects from ns (null = the firewall itself) to destination, sends payload and, by
// default, waits for its echo, all within timeout. Every failure the network can cause
// is a result, never an exception; exceptions mean the test itself is wrong (e.g. the
// source port is taken).
TcpOutcome tcpConnect(const Netns* ns, const SocketAddress& destination,
                      std::string_view payload = "hello\n",
                      milliseconds timeout = milliseconds{3000},
                      const TcpConnectOptions& options = {});

} // namespace fwx::test
