// queryLocalAddresses, LocalAddresses and SocketTable against the kernel, in the test
// process's own network namespace (the lab's main() made it; no Lab is built): only the
// addresses that TestNetwork sets up and the sockets the tests open exist.
#include "lab/Command.hpp"
#include "lab/FirewallNetns.hpp"
#include "net/Endpoint.hpp"
#include "net/LocalAddresses.hpp"
#include "net/SocketTable.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fwx::net {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Address addr(std::string_view text) {
    return Address::parse(text);
}

// A socket closed when it goes out of scope.
class Socket {
public:
    Socket(Family family, Transport transport)
        : fd_(::socket(toAddressFamily(family),
                       (transport == Transport::Tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC,
                       0)) {
        if (fd_ < 0) {
            ADD_FAILURE() << "socket(): " << std::strerror(errno);
        }
    }
    Socket(Socket&& other) noexcept
        : fd_(std::exchange(other.fd_, -1)) {}
    Socket& operator=(Socket&&) = delete;
    ~Socket() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }

    int fd() const { return fd_; }

    void setReuseAddress() {
        const int on = 1;
        ASSERT_EQ(setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on), 0)
            << std::strerror(errno);
    }

    void setV6Only(bool on) {
        const int value = on ? 1 : 0;
        ASSERT_EQ(setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &value, sizeof value), 0)
            << std::strerror(errno);
    }

    void bind(const Endpoint& endpoint) {
        sockaddr_storage storage{};
        const socklen_t length = endpoint.toSockaddr(storage);
        ASSERT_EQ(::bind(fd_, static_cast<sockaddr*>(static_cast<void*>(&storage)), length), 0)
            << "bind(" << endpoint.toString() << "): " << std::strerror(errno);
    }

    void listen() { ASSERT_EQ(::listen(fd_, 8), 0) << std::strerror(errno); }

    void connect(const Endpoint& endpoint) {
        sockaddr_storage storage{};
        const socklen_t length = endpoint.toSockaddr(storage);
        ASSERT_EQ(::connect(fd_, static_cast<sockaddr*>(static_cast<void*>(&storage)), length), 0)
            << "connect(" << endpoint.toString() << "): " << std::strerror(errno);
    }

    Endpoint localEndpoint() const {
        sockaddr_storage storage{};
        socklen_t length = sizeof storage;
        auto* sa = static_cast<sockaddr*>(static_cast<void*>(&storage));
        EXPECT_EQ(getsockname(fd_, sa, &length), 0) << std::strerror(errno);
        return Endpoint::fromSockaddr(sa, length);
    }

private:
    explicit Socket(int fd)
        : fd_(fd) {}
    friend Socket accept(const Socket& listener);
    int fd_;
};

// The connection is already queued when connect() returned; the poll bounds the wait if a
// failed step before left nothing to accept.
Socket accept(const Socket& listener) {
    pollfd ready{listener.fd(), POLLIN, 0};
    EXPECT_EQ(::poll(&ready, 1, 5000), 1) << "nothing to accept on the listener";
    Socket socket(::accept4(listener.fd(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    EXPECT_GE(socket.fd(), 0) << "accept(): " << std::strerror(errno);
    return socket;
}

// A bound socket: listening for TCP, as bind() leaves it for UDP unless listen is false.
Socket boundSocket(Transport transport, std::string_view endpoint, bool listen = true,
                   std::optional<bool> v6only = std::nullopt) {
    const Endpoint where = Endpoint::parse(endpoint);
    Socket socket(where.family(), transport);
    if (v6only) {
        socket.setV6Only(*v6only);
    }
    if (transport == Transport::Tcp) {
        // A repeated run finds the previous run's connection in TIME_WAIT on the same port.
        socket.setReuseAddress();
    }
    socket.bind(where);
    if (transport == Transport::Tcp && listen) {
        socket.listen();
    }
    return socket;
}

// The network each test runs against, built before it and deleted after it: lo up, and
// kInterface with 192.0.2.1/24, 192.0.2.3/24, 192.0.2.4/24 and 2001:db8::1/64. The kernel
// may lack dummy links, so kInterface is one end of a veth pair whose other end idles (up,
// so that kInterface has a carrier), as the Lab's internal link is.
class TestNetwork : public ::testing::Test {
protected:
    static constexpr const char* kInterface = "fwx0";
    static constexpr const char* kPeer = "fwx0-peer";

    void SetUp() override {
        // Never configure the host's network: only the namespace lab main() entered.
        ASSERT_TRUE(fwx::test::inFirewallNetns())
            << "not in the test process's private network namespace (link lab_main_dep)";
        const std::vector<std::vector<std::string>> commands{
            {"ip", "link", "set", "lo", "up"},
            {"ip", "link", "add", kInterface, "type", "veth", "peer", "name", kPeer},
            {"ip", "link", "set", kPeer, "up"},
            {"ip", "address", "add", "192.0.2.1/24", "dev", kInterface},
            {"ip", "address", "add", "192.0.2.3/24", "dev", kInterface},
            {"ip", "address", "add", "192.0.2.4/24", "dev", kInterface},
            // nodad: usable at once, not "tentative" for a second of duplicate detection.
            {"ip", "-6", "address", "add", "2001:db8::1/64", "dev", kInterface, "nodad"},
            {"ip", "link", "set", kInterface, "up"},
        };
        try {
            for (const auto& argv : commands) {
                fwx::test::run(argv);
            }
        } catch (const std::exception& e) {
            FAIL() << "setting up the test network: " << e.what();
        }
    }

    // Deleting one end of the veth pair deletes the other and the addresses. TIME_WAIT
    // sockets outlive it, on addresses no later test asks about.
    void TearDown() override {
        if (!fwx::test::inFirewallNetns() || if_nametoindex(kInterface) == 0) {
            return; // SetUp failed before creating it
        }
        try {
            fwx::test::run({"ip", "link", "del", kInterface});
        } catch (const std::exception& e) {
            ADD_FAILURE() << "removing the test network: " << e.what();
        }
    }
};

using LocalAddressesTest = TestNetwork;
using SocketTableTest = TestNetwork;

TEST_F(LocalAddressesTest, SeesConfiguredAddresses) {
    const auto addresses = queryLocalAddresses();
    const int ifindex = static_cast<int>(if_nametoindex(kInterface));
    ASSERT_GT(ifindex, 0);
    const int loopback = static_cast<int>(if_nametoindex("lo"));
    auto has = [&](std::string_view address, std::uint8_t length, int index) {
        return std::any_of(addresses.begin(), addresses.end(), [&](const LocalAddress& local) {
            return local.address == addr(address) && local.prefixLength == length &&
                   local.ifindex == index;
        });
    };
    EXPECT_TRUE(has("192.0.2.1", 24, ifindex));
    EXPECT_TRUE(has("192.0.2.3", 24, ifindex));
    EXPECT_TRUE(has("2001:db8::1", 64, ifindex));
    EXPECT_TRUE(has("127.0.0.1", 8, loopback));
    EXPECT_TRUE(has("::1", 128, loopback));
    EXPECT_FALSE(std::any_of(addresses.begin(), addresses.end(), [](const LocalAddress& local) {
        return local.address == addr("192.0.2.9");
    }));
}

TEST_F(LocalAddressesTest, ContainsConfiguredAddressesOnly) {
    LocalAddresses local;
    EXPECT_TRUE(local.contains(addr("192.0.2.1")));
    EXPECT_TRUE(local.contains(addr("2001:db8::1")));
    EXPECT_TRUE(local.contains(addr("127.0.0.1")));
    EXPECT_TRUE(local.contains(addr("::1")));
    EXPECT_FALSE(local.contains(addr("192.0.2.9")));
    EXPECT_FALSE(local.contains(addr("192.0.2.0")));
    EXPECT_FALSE(local.contains(addr("2001:db8::9")));
    // Families never mix: the IPv4-mapped form of a local address is not local.
    EXPECT_FALSE(local.contains(addr("::ffff:192.0.2.1")));
}

// The answers are not dumped each time, yet never older than the last change: the kernel
// announces it before ip(8) returns.
TEST_F(LocalAddressesTest, SeesAddressesAddedAndRemovedAfterItsFirstAnswer) {
    LocalAddresses local;
    ASSERT_FALSE(local.contains(addr("192.0.2.9")));
    ASSERT_FALSE(local.contains(addr("2001:db8::9")));
    fwx::test::run({"ip", "address", "add", "192.0.2.9/24", "dev", kInterface});
    fwx::test::run({"ip", "-6", "address", "add", "2001:db8::9/64", "dev", kInterface, "nodad"});
    EXPECT_TRUE(local.contains(addr("192.0.2.9")));
    EXPECT_TRUE(local.contains(addr("2001:db8::9")));
    fwx::test::run({"ip", "address", "del", "192.0.2.9/24", "dev", kInterface});
    fwx::test::run({"ip", "-6", "address", "del", "2001:db8::1/64", "dev", kInterface});
    EXPECT_FALSE(local.contains(addr("192.0.2.9")));
    EXPECT_FALSE(local.contains(addr("2001:db8::1")));
    EXPECT_TRUE(local.contains(addr("192.0.2.1")));
}

// Every port, as the allocator's widest range would ask.
std::vector<std::uint16_t> takenPorts(const Address& address, Transport transport) {
    return SocketTable().boundPorts(address, transport, 1, 65535);
}

TEST_F(SocketTableTest, NothingBound) {
    EXPECT_THAT(takenPorts(addr("192.0.2.1"), Transport::Tcp), IsEmpty());
    EXPECT_THAT(takenPorts(addr("192.0.2.1"), Transport::Udp), IsEmpty());
    EXPECT_THAT(takenPorts(addr("2001:db8::1"), Transport::Tcp), IsEmpty());
    EXPECT_THAT(takenPorts(addr("2001:db8::1"), Transport::Udp), IsEmpty());
}

// The same layout for either transport, with sockets of the other transport as decoys.
void checkBoundPorts(Transport transport, std::uint16_t base) {
    const Transport other = transport == Transport::Tcp ? Transport::Udp : Transport::Tcp;
    auto at = [&](std::string_view address, int offset) {
        return std::string(address) + ":" + std::to_string(base + offset);
    };
    std::vector<Socket> sockets;
    sockets.push_back(boundSocket(transport, at("192.0.2.1", 1)));
    sockets.push_back(boundSocket(transport, at("0.0.0.0", 2)));
    sockets.push_back(boundSocket(transport, at("[::]", 3), true, false)); // dual-stack
    sockets.push_back(boundSocket(transport, at("[::]", 4), true, true));  // IPv6 only
    sockets.push_back(boundSocket(transport, at("[2001:db8::1]", 5)));
    sockets.push_back(boundSocket(transport, at("127.0.0.1", 6)));
    sockets.push_back(boundSocket(transport, at("[::ffff:192.0.2.1]", 7), true, false));
    sockets.push_back(boundSocket(transport, at("192.0.2.3", 8)));
    sockets.push_back(boundSocket(other, at("192.0.2.1", 9)));
    sockets.push_back(boundSocket(other, at("0.0.0.0", 10)));
    sockets.push_back(boundSocket(other, at("[::]", 11)));
    // Bound, not listening: a TCP socket there receives no new connection; a UDP socket
    // receives datagrams all the same.
    sockets.push_back(boundSocket(transport, at("192.0.2.1", 12), false));
    const auto port = [&](int offset) {
        return static_cast<std::uint16_t>(base + offset);
    };

    std::vector<std::uint16_t> onFirst = {port(1), port(2), port(3), port(7)};
    if (transport == Transport::Udp) {
        onFirst.push_back(port(12));
    }
    EXPECT_EQ(takenPorts(addr("192.0.2.1"), transport), onFirst);
    EXPECT_THAT(takenPorts(addr("192.0.2.3"), transport), ElementsAre(port(2), port(3), port(8)));
    EXPECT_THAT(takenPorts(addr("127.0.0.1"), transport), ElementsAre(port(2), port(3), port(6)));
    // Not configured here, but the wildcard sockets would take its ports all the same.
    EXPECT_THAT(takenPorts(addr("192.0.2.9"), transport), ElementsAre(port(2), port(3)));
    EXPECT_THAT(takenPorts(addr("2001:db8::1"), transport), ElementsAre(port(3), port(4), port(5)));
    EXPECT_THAT(takenPorts(addr("::1"), transport), ElementsAre(port(3), port(4)));
    EXPECT_THAT(takenPorts(addr("192.0.2.1"), other), ElementsAre(port(9), port(10), port(11)));
    // The kernel leaves out what is outside the range asked for (its bytecode filter); one
    // table answers any number of questions.
    SocketTable table;
    EXPECT_THAT(table.boundPorts(addr("192.0.2.1"), transport, port(2), port(3)),
                ElementsAre(port(2), port(3)));
    EXPECT_THAT(table.boundPorts(addr("192.0.2.1"), transport, port(7), port(7)),
                ElementsAre(port(7)));
    EXPECT_THAT(table.boundPorts(addr("192.0.2.3"), transport, port(1), port(12)),
                ElementsAre(port(2), port(3), port(8)));
}

TEST_F(SocketTableTest, TcpPorts) {
    checkBoundPorts(Transport::Tcp, 10000);
}

TEST_F(SocketTableTest, UdpPorts) {
    checkBoundPorts(Transport::Udp, 11000);
}

// On 192.0.2.4, which no other test asks about: this test leaves a TIME_WAIT behind.
// Connections do not take a port: what arrives for them is not a new connection, and a
// redirect of the port would not touch them. Asking for them would have the kernel walk
// every connection of the host.
TEST_F(SocketTableTest, ConnectedAndTimeWaitSocketsDoNotTakeAPort) {
    std::optional<Socket> listener = boundSocket(Transport::Tcp, "192.0.2.4:12000");
    std::optional<Socket> client(std::in_place, Family::V4, Transport::Tcp);
    // Else the kernel picks the primary address of the subnet, 192.0.2.1, as the source.
    client->bind(Endpoint::parse("192.0.2.4:0", true));
    client->connect(Endpoint::parse("192.0.2.4:12000"));
    std::optional<Socket> server = accept(*listener);
    ASSERT_NE(client->localEndpoint().port, 12000);
    // The listener and the accepted socket share port 12000; only the listener counts.
    EXPECT_THAT(takenPorts(addr("192.0.2.4"), Transport::Tcp), ElementsAre(12000));
    EXPECT_THAT(takenPorts(addr("192.0.2.1"), Transport::Tcp), IsEmpty());

    server.reset();
    listener.reset();
    client.reset();
    EXPECT_THAT(takenPorts(addr("192.0.2.4"), Transport::Tcp), IsEmpty());
}

} // namespace
} // namespace fwx::net
