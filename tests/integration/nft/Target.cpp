#include "Target.hpp"

#include "lab/TcpConnect.hpp"
#include "lab/UdpClient.hpp"

#include <sstream>
#include <utility>

namespace fwx::test {

namespace {
constexpr milliseconds AnswerTimeout{3000};
}

Target::Target(const Lab& lab, Family family, net::Transport transport)
    : family_(family) {
    if (transport == net::Transport::Tcp) {
        tcp_ = std::make_unique<TcpServer>(&lab.server(), Lab::serverAddress(family));
    } else {
        udp_ = std::make_unique<UdpServer>(&lab.server(), Lab::serverAddress(family));
    }
}

SocketAddress Target::address() const {
    return tcp_ ? tcp_->address() : udp_->address();
}

::testing::AssertionResult Target::reachedVia(const SocketAddress& internal, const Client& client,
                                              std::optional<SocketAddress>* seenAs,
                                              std::optional<SocketAddress>* clientSide,
                                              UniqueFd* keepOpen) {
    return tcp_ ? tcpReached(internal, client, seenAs, clientSide, keepOpen)
                : udpReached(internal, client, seenAs, clientSide);
}

::testing::AssertionResult Target::tcpReached(const SocketAddress& internal, const Client& client,
                                              std::optional<SocketAddress>* seenAs,
                                              std::optional<SocketAddress>* clientSide,
                                              UniqueFd* keepOpen) {
    TcpConnectOptions options;
    options.sourceAddress = client.sourceAddress;
    options.sourcePort = client.sourcePort;
    options.keepOpen = keepOpen != nullptr;
    TcpOutcome outcome = tcpConnect(client.ns, internal, "hello\n", AnswerTimeout, options);
    if (!outcome.connected()) {
        std::ostringstream text;
        text << "TCP via " << internal << ": " << outcome;
        return ::testing::AssertionFailure() << text.str();
    }
    const auto accepted = tcp_->accept(AnswerTimeout);
    if (!accepted) {
        return ::testing::AssertionFailure() << "the target accepted nothing";
    }
    if (seenAs != nullptr) {
        *seenAs = accepted->peer;
    }
    if (clientSide != nullptr) {
        *clientSide = outcome.local;
    }
    if (keepOpen != nullptr) {
        *keepOpen = std::move(outcome.connection);
    }
    return ::testing::AssertionSuccess();
}

::testing::AssertionResult Target::udpReached(const SocketAddress& internal, const Client& client,
                                              std::optional<SocketAddress>* seenAs,
                                              std::optional<SocketAddress>* clientSide) {
    UdpClient sender(client.ns, family_, client.sourcePort, client.sourceAddress);
    sender.send(internal, "ping");
    const auto datagram = udp_->receive(AnswerTimeout);
    if (!datagram) {
        std::ostringstream text;
        text << "UDP via " << internal << ": the target got nothing";
        if (const auto error = sender.awaitError(milliseconds{0})) {
            text << "; the client got " << *error;
        }
        return ::testing::AssertionFailure() << text.str();
    }
    udp_->reply(datagram->peer, "pong");
    const auto reply = sender.receive(AnswerTimeout);
    if (!reply || reply->data != "pong") {
        return ::testing::AssertionFailure() << "the target's reply did not come back";
    }
    if (seenAs != nullptr) {
        *seenAs = datagram->peer;
    }
    if (clientSide != nullptr) {
        *clientSide = sender.localAddress();
    }
    return ::testing::AssertionSuccess();
}

::testing::AssertionResult Target::refusedVia(const SocketAddress& internal, const Client& client) {
    if (tcp_) {
        TcpConnectOptions options;
        options.sourceAddress = client.sourceAddress;
        options.sourcePort = client.sourcePort;
        const TcpOutcome outcome =
            tcpConnect(client.ns, internal, "hello\n", AnswerTimeout, options);
        if (outcome.result == ConnectResult::Refused) {
            return ::testing::AssertionSuccess();
        }
        std::ostringstream text;
        text << "TCP via " << internal << " was not refused: " << outcome;
        return ::testing::AssertionFailure() << text.str();
    }
    UdpClient sender(client.ns, family_, client.sourcePort, client.sourceAddress);
    sender.send(internal, "ping");
    const auto error = sender.awaitError(AnswerTimeout);
    if (error && error->error == ECONNREFUSED) {
        return ::testing::AssertionSuccess();
    }
    std::ostringstream text;
    text << "UDP via " << internal << " was not refused";
    if (error) {
        text << ": " << *error;
    }
    return ::testing::AssertionFailure() << text.str();
}

} // namespace fwx::test
