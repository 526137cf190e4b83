// fwx::test::TcpServer: the target of TCP redirects, listening in a lab namespace.
#pragma once

#include "lab/Deadline.hpp"
#include "lab/SocketAddress.hpp"
#include "lab/UniqueFd.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace fwx::test {

class Netns;

// What the server does with a connection once it has read a line or EOF.
enum class Reply : std::uint8_t {
    Echo, // sends the data back, then closes
    None, // closes without answering
};

// A connection the server has finished with.
struct TcpAccepted {
    SocketAddress peer;  // the client as the server sees it (after any SNAT)
    SocketAddress local; // where it arrived (after any DNAT)
    std::string data;    // everything read up to and including the first '\n', or to EOF
};

// Listens on address:port inside ns (null = the firewall itself) and serves connections on
// a thread of its own, so that a test can connect and read the echo from its own thread.
// Connections are served concurrently; accept() hands them out in the order they finish.
class TcpServer {
public:
    // port 0 picks an ephemeral port; see port().
    TcpServer(const Netns* ns, std::string_view address, std::uint16_t port = 0,
              Reply reply = Reply::Echo);
    ~TcpServer();
    TcpServer(const TcpServer&) = delete;
    TcpServer& operator=(const TcpServer&) = delete;

    const SocketAddress& address() const noexcept { return address_; }
    std::uint16_t port() const noexcept { return address_.port(); }

    // The next finished connection, or nullopt if none finished within timeout. Rethrows
    // an error of the server thread.
    std::optional<TcpAccepted> accept(milliseconds timeout);

private:
    void serve() noexcept;
    void publish(TcpAccepted accepted);

    UniqueFd listener_;
    UniqueFd stop_; // eventfd: wakes the server thread for shutdown
    SocketAddress address_;
    Reply reply_;

    std::mutex mutex_;
    std::condition_variable finished_;
    std::deque<TcpAccepted> accepted_;
    std::exception_ptr failure_;

    std::thread thread_; // last: starts after everything it uses exists
};

} // namespace fwx::test
