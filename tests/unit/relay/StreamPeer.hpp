// A test's own end of a TCP connection, driven by the same loop as the relay: sends what
// it is given, keeps everything it receives, and remembers how the connection ended.
#pragma once

#include "EpollReactor.hpp"
#include "net/Endpoint.hpp"
#include "relay/UniqueFd.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace fwx::relay::test {

class StreamPeer {
public:
    // socket: connected and non-blocking.
    StreamPeer(Reactor& reactor, UniqueFd socket);

    // Connects a new socket (bound to from when given) and waits for the handshake, which
    // the kernel completes for a listener without its owner's help. Returns the peer, or
    // the errno connect() ended with.
    static std::unique_ptr<StreamPeer> connect(Reactor& reactor, const net::Endpoint& to,
                                               const std::optional<net::Address>& from = {},
                                               int* errnum = nullptr);

    void send(const std::string& bytes);
    // shutdown(SHUT_WR) once everything queued has been sent.
    void shutdownWhenSent();
    void pauseReading(bool paused);
    // Closes with SO_LINGER 0: the other side gets a reset.
    void reset();

    const std::string& received() const noexcept { return received_; }
    std::size_t unsent() const noexcept { return outgoing_.size() - sent_; }
    bool ended() const noexcept { return ended_; } // the other side's FIN arrived
    int error() const noexcept { return error_; }  // what broke the connection, 0 if nothing
    // As they were when the connection was set up.
    const net::Endpoint& local() const noexcept { return local_; }
    const net::Endpoint& remote() const noexcept { return remote_; }

private:
    void onReady(IoEvents ready);
    void readAll();
    void writeAll();
    void rewatch();

    UniqueFd socket_;
    net::Endpoint local_;
    net::Endpoint remote_;
    std::unique_ptr<Reactor::Watch> watch_;
    std::string outgoing_;
    std::size_t sent_ = 0;
    std::string received_;
    bool shutdownWanted_ = false;
    bool shutDown_ = false;
    bool paused_ = false;
    bool ended_ = false;
    int error_ = 0;
};

} // namespace fwx::relay::test
