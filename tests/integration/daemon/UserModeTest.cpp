// User mode (NO_KERNEL_MODE, issue 12): the real fwxd relays real connections from the lab's
// client namespace to its server namespace through a relay in the daemon, not kernel NAT,
// and reports them as it reports kernel-mode ones: Established, Closed with byte counts,
// Finished; single use, ALLOW_MULTIPLE, TIMEOUT and Cancel as the contract says.
#include "ConntrackFixture.hpp"
#include "Target.hpp"
#include "lab/FamilyParam.hpp"
#include "lab/Socket.hpp"
#include "lab/TcpConnect.hpp"
#include "lab/WaitUntil.hpp"
#include "net/Transport.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;
using net::Transport;

using Param = FamilyTransport;

class UserMode : public ConntrackFixture, public ::testing::WithParamInterface<Param> {
protected:
    Family family() const { return std::get<0>(GetParam()); }
    Transport transport() const { return std::get<1>(GetParam()); }
    Client fromClient() const { return Client{&lab.client(), {}, {}}; }
    const char* portsSet() const { return family() == Family::V4 ? "ports_v4" : "ports_v6"; }

    Redirected open(std::uint32_t flags, const Options& options = {}) {
        RedirectRequest request;
        request.protocol = std::string(net::toString(transport()));
        request.flags = flags | NoKernelMode;
        request.proxyExternalAddress = Lab::proxyAddress(family());
        request.options = options;
        return client().redirect(
            client().openSession(),
            {ConnectAddress(server.address().address(), server.address().port())}, request);
    }
    static SocketAddress internalOf(const Redirected& redirected) {
        return {redirected.internalAddress, redirected.basePort};
    }
    // TCP's Closed comes when both sides closed; a relayed UDP flow's after the relay's
    // idle timeout (2 s in the lab's fwxd.conf).
    ::testing::AssertionResult closedOnce(const sdbus::ObjectPath& action) {
        return client().waitForSignal(action, "Closed", std::nullopt, 15s);
    }

    Target server{lab, family(), transport()};
};

TEST_P(UserMode, RelaysTheConnectionAndReportsItLikeKernelMode) {
    const Redirected redirected = open(0, {{"Context", sdbus::Variant(std::string("relayed"))}});
    const sdbus::ObjectPath& action = redirected.actions.at(0);
    EXPECT_EQ(client().action(action).Mode(), "user");
    EXPECT_EQ(kernelElements(portsSet()), 0U) << "user mode programs nothing in nft";
    EXPECT_EQ(client().firewall().ActiveRedirects(), 1U);

    std::optional<SocketAddress> seenAs;
    ASSERT_TRUE(server.reachedVia(internalOf(redirected), fromClient(), &seenAs));
    EXPECT_EQ(seenAs->address(), Lab::proxyAddress(family()))
        << "the outbound leg leaves from the proxy external address";
    ASSERT_TRUE(client().waitForSignal(action, "Established", std::nullopt, 10s));
    ASSERT_TRUE(closedOnce(action));

    const auto established = client().signals().of(action, "Established");
    const auto closed = client().signals().of(action, "Closed");
    ASSERT_EQ(established.size(), 1U) << client().signals().describe();
    ASSERT_EQ(closed.size(), 1U);
    for (const ReceivedSignal& signal : {established[0], closed[0]}) {
        EXPECT_EQ(signal.destination, client().uniqueName());
        EXPECT_EQ(field<std::string>(signal, "ClientAddress"), Lab::clientAddress(family()));
        EXPECT_EQ(field<std::string>(signal, "TargetAddress"), server.address().address());
        EXPECT_EQ(field<std::uint16_t>(signal, "TargetPort"), server.address().port());
        EXPECT_EQ(field<std::string>(signal, "SourceAddress"), seenAs->address());
        EXPECT_EQ(field<std::uint16_t>(signal, "SourcePort"), seenAs->port());
        EXPECT_EQ(field<std::string>(signal, "Context"), "relayed");
    }
    EXPECT_EQ(field<std::uint64_t>(closed[0], "ConnectionId"),
              field<std::uint64_t>(established[0], "ConnectionId"));
    // "hello\n" / "ping" up, the echo / "pong" down; a relay counts payload, not packets.
    const std::uint64_t up = transport() == Transport::Tcp ? 6 : 4;
    EXPECT_EQ(field<std::uint64_t>(closed[0], "BytesFromClient"), up);
    EXPECT_EQ(field<std::uint64_t>(closed[0], "BytesFromTarget"), up);
    EXPECT_EQ(field<std::uint64_t>(closed[0], "PacketsFromClient"), 0U);
    EXPECT_EQ(field<std::uint64_t>(closed[0], "PacketsFromTarget"), 0U);

    EXPECT_TRUE(client().waitForSignal(action, "Finished", "consumed,1", 5s));
    EXPECT_EQ(client().firewall().ActiveRedirects(), 0U);
    EXPECT_TRUE(server.refusedVia(internalOf(redirected), fromClient()))
        << "nothing listens on a finished redirect's port";
}

TEST_P(UserMode, SingleUseAdmitsOneClient) {
    const Redirected redirected = open(0);
    const sdbus::ObjectPath& action = redirected.actions.at(0);
    UniqueFd first;
    ASSERT_TRUE(server.reachedVia(internalOf(redirected), fromClient(), nullptr, nullptr,
                                  transport() == Transport::Tcp ? &first : nullptr));
    ASSERT_TRUE(client().waitForSignal(action, "Established", std::nullopt, 10s));
    EXPECT_EQ(client().action(action).Connections(), 1U);
    if (transport() == Transport::Tcp) {
        EXPECT_TRUE(server.refusedVia(internalOf(redirected), fromClient()))
            << "a second client gets a reset";
    } else {
        // Another source port is another client: the relay drops its datagrams. (The first
        // flow may idle out meanwhile, and the action finish.)
        EXPECT_FALSE(server.reachedVia(internalOf(redirected), fromClient()));
    }
    client().sync();
    EXPECT_EQ(client().received(action, "Established"), 1U) << client().signals().describe();
}

TEST_P(UserMode, AllowMultipleRelaysEveryClient) {
    const Redirected redirected = open(AllowMultiple);
    const sdbus::ObjectPath& action = redirected.actions.at(0);
    ASSERT_TRUE(server.reachedVia(internalOf(redirected), fromClient()));
    ASSERT_TRUE(server.reachedVia(internalOf(redirected), fromClient()));
    ActionProxy& proxy = client().action(action);
    EXPECT_TRUE(waitUntil([&] { return proxy.Connections() == 2U; }, 10s, "two connections"));
    EXPECT_TRUE(
        client().dispatchUntil([&] { return client().received(action, "Closed") == 2U; }, 15s))
        << client().signals().describe();
    EXPECT_EQ(proxy.State(), "established");
}

// Cancel withdraws the permission and, in user mode, the relay: the live connection is cut
// (the client gets a reset), its Closed follows, then Finished.
TEST_P(UserMode, CancelCutsALiveConnection) {
    const Redirected redirected = open(AllowMultiple);
    const sdbus::ObjectPath& action = redirected.actions.at(0);
    UniqueFd live;
    ASSERT_TRUE(server.reachedVia(internalOf(redirected), fromClient(), nullptr, nullptr,
                                  transport() == Transport::Tcp ? &live : nullptr));
    ASSERT_TRUE(client().waitForSignal(action, "Established", std::nullopt, 10s));
    client().action(action).Cancel();
    EXPECT_TRUE(client().waitForSignal(action, "Expired", "cancelled", 5s));
    EXPECT_TRUE(client().waitForSignal(action, "Closed", std::nullopt, 5s));
    EXPECT_TRUE(client().waitForSignal(action, "Finished", "cancelled,1", 5s));
    if (transport() == Transport::Tcp) {
        // The target had answered and closed its side; the client's side was still open
        // until the relay reset it.
        const char byte = 'x';
        EXPECT_EQ(::send(live.get(), &byte, 1, MSG_NOSIGNAL), -1);
        EXPECT_TRUE(errno == EPIPE || errno == ECONNRESET) << std::strerror(errno);
    }
    EXPECT_EQ(client().firewall().ActiveRedirects(), 0U);
}

// A multi-use permission with TIMEOUT admits nobody after its deadline; the connection it
// admitted before lives on and ends when its sides end it.
TEST_P(UserMode, TimeoutEndsThePermissionNotTheLiveConnection) {
    const Redirected redirected =
        open(AllowMultiple | TimeoutFlag, {{"Timeout", sdbus::Variant(std::uint64_t{1'000'000})}});
    const sdbus::ObjectPath& action = redirected.actions.at(0);
    UniqueFd live;
    ASSERT_TRUE(server.reachedVia(internalOf(redirected), fromClient(), nullptr, nullptr,
                                  transport() == Transport::Tcp ? &live : nullptr));
    ASSERT_TRUE(client().waitForSignal(action, "PropertiesChanged", "State=consumed", 10s));
    if (transport() == Transport::Tcp) {
        EXPECT_TRUE(server.refusedVia(internalOf(redirected), fromClient()));
        EXPECT_EQ(client().received(action, "Closed"), 0U) << "the live connection goes on";
        live = UniqueFd();
    } else {
        EXPECT_FALSE(server.reachedVia(internalOf(redirected), fromClient()));
    }
    EXPECT_TRUE(client().waitForSignal(action, "Closed", std::nullopt, 15s));
    EXPECT_TRUE(client().waitForSignal(action, "Finished", "consumed,1", 5s));
    EXPECT_EQ(client().received(action, "Expired"), 0U) << "a used permission does not expire";
}

INSTANTIATE_TEST_SUITE_P(All, UserMode, familiesAndTransports(), FamilyTransportName());

// TCP through the relay: half-close and bulk data.
class UserModeTcp : public ConntrackFixture, public ::testing::WithParamInterface<Family> {
protected:
    Redirected openTo(const SocketAddress& target) {
        RedirectRequest request;
        request.flags = NoKernelMode;
        return client().redirect(client().openSession(),
                                 {ConnectAddress(target.address(), target.port())}, request);
    }
};

// The client shuts down its sending side after its request (no newline: the target reads
// to the end); the target still answers, and the answer still reaches the client.
TEST_P(UserModeTcp, AHalfClosedClientStillGetsTheAnswer) {
    TcpServer target(&lab.server(), Lab::serverAddress(GetParam()));
    const Redirected redirected = openTo(target.address());
    const TcpOutcome outcome =
        tcpConnect(&lab.client(), {redirected.internalAddress, redirected.basePort},
                   "request without a newline", 5000ms);
    ASSERT_TRUE(outcome.connected()) << outcome;
    EXPECT_EQ(outcome.echoed, "request without a newline");
    const auto accepted = target.accept(5000ms);
    ASSERT_TRUE(accepted);
    EXPECT_EQ(accepted->data, "request without a newline");
}

constexpr std::size_t BulkBytes = std::size_t{100} << 20;

// Byte i of the bulk stream: position-dependent, so that a lost, doubled or reordered chunk
// shows, not only a changed byte.
char bulkByte(std::size_t i) {
    return static_cast<char>((i * 2654435761U) >> 13U);
}

void blocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    ASSERT_GE(flags, 0);
    ASSERT_EQ(::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK), 0);
    const timeval limit{60, 0};
    ASSERT_EQ(::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit), 0);
    ASSERT_EQ(::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit), 0);
}

// What the receiving end found: how many bytes, and how many differed from the stream.
struct BulkReceipt {
    std::size_t bytes = 0;
    std::size_t wrong = 0;
    int error = 0;
};

BulkReceipt receiveBulk(int listener) {
    BulkReceipt receipt;
    pollfd ready{listener, POLLIN, 0};
    if (::poll(&ready, 1, 30000) != 1) {
        receipt.error = ETIMEDOUT;
        return receipt;
    }
    const UniqueFd connection(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    if (!connection) {
        receipt.error = errno;
        return receipt;
    }
    blocking(connection.get());
    std::vector<char> buffer(std::size_t{1} << 20);
    for (;;) {
        const ssize_t n = ::recv(connection.get(), buffer.data(), buffer.size(), 0);
        if (n <= 0) {
            receipt.error = n < 0 ? errno : 0;
            break;
        }
        const auto count = static_cast<std::size_t>(n);
        for (std::size_t i = 0; i < count; ++i) {
            if (buffer[i] != bulkByte(receipt.bytes + i)) {
                ++receipt.wrong;
            }
        }
        receipt.bytes += static_cast<std::size_t>(n);
    }
    const std::string done = std::to_string(receipt.bytes) + "\n";
    static_cast<void>(::send(connection.get(), done.data(), done.size(), MSG_NOSIGNAL));
    return receipt;
}

TEST_P(UserModeTcp, OneHundredMegabytesArriveIntact) {
    const UniqueFd listener = openSocket(&lab.server(), GetParam(), SOCK_STREAM);
    bindTo(listener.get(), {Lab::serverAddress(GetParam()), 0});
    ASSERT_EQ(::listen(listener.get(), 1), 0);
    const Redirected redirected = openTo(localAddressOf(listener.get()));
    const sdbus::ObjectPath& action = redirected.actions.at(0);

    BulkReceipt receipt;
    std::thread receiver([&] { receipt = receiveBulk(listener.get()); });
    const UniqueFd sender = openSocket(&lab.client(), GetParam(), SOCK_STREAM);
    blocking(sender.get());
    const SocketAddress internal{redirected.internalAddress, redirected.basePort};
    const bool connected = ::connect(sender.get(), internal.get(), internal.size()) == 0;
    std::size_t sent = 0;
    std::vector<char> chunk(std::size_t{256} << 10);
    while (connected && sent < BulkBytes) {
        for (std::size_t i = 0; i < chunk.size(); ++i) {
            chunk[i] = bulkByte(sent + i);
        }
        const ssize_t n = ::send(sender.get(), chunk.data(), chunk.size(), MSG_NOSIGNAL);
        if (n <= 0) {
            break;
        }
        sent += static_cast<std::size_t>(n); // a short send restarts the pattern there
    }
    ::shutdown(sender.get(), SHUT_WR);
    char answer[32] = {};
    const ssize_t got = ::recv(sender.get(), answer, sizeof answer - 1, MSG_WAITALL);
    receiver.join();

    ASSERT_TRUE(connected) << std::strerror(errno);
    EXPECT_EQ(sent, BulkBytes);
    EXPECT_EQ(receipt.error, 0) << std::strerror(receipt.error);
    EXPECT_EQ(receipt.bytes, BulkBytes);
    EXPECT_EQ(receipt.wrong, 0U);
    EXPECT_GT(got, 0);
    EXPECT_EQ(std::string(answer), std::to_string(BulkBytes) + "\n");
    ASSERT_TRUE(client().waitForSignal(action, "Closed", std::nullopt, 15s));
    const auto closed = client().signals().of(action, "Closed");
    EXPECT_EQ(field<std::uint64_t>(closed.at(0), "BytesFromClient"), BulkBytes);
}

INSTANTIATE_TEST_SUITE_P(Families, UserModeTcp, bothFamilies(), FamilyParamName());

} // namespace
} // namespace fwx::test
