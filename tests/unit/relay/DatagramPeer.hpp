// A test's UDP socket on the loop: a client of the UDP relay, or its target (which can
// echo every datagram back to where it came from). Keeps what it received, and from whom.
#pragma once

#include "EpollReactor.hpp"
#include "net/Endpoint.hpp"
#include "relay/UniqueFd.hpp"

#include <memory>
#include <string>
#include <vector>

namespace fwx::relay::test {

struct Datagram {
    std::string payload;
    net::Endpoint from;
};

class DatagramPeer {
public:
    DatagramPeer(Reactor& reactor, const net::Endpoint& at, bool echo = false);

    void sendTo(const net::Endpoint& to, const std::string& payload);
    net::Endpoint endpoint() const { return endpoint_; }
    const std::vector<Datagram>& received() const noexcept { return received_; }

private:
    void receiveAll();

    bool echo_;
    UniqueFd socket_;
    net::Endpoint endpoint_;
    std::unique_ptr<Reactor::Watch> watch_;
    std::vector<Datagram> received_;
};

} // namespace fwx::relay::test
