// fwxd's own life: SIGTERM with sessions open removes everything and exits 0.
#include "ChildProcess.hpp"
#include "DaemonFixture.hpp"
#include "FwxdProcess.hpp"
#include "Target.hpp"
#include "lab/Command.hpp"
#include "lab/Lab.hpp"
#include "lab/UniqueFd.hpp"
#include "lab/WaitUntil.hpp"

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>

namespace fwx::test {
namespace {

class Lifecycle : public DaemonFixture {};

TEST_F(Lifecycle, SigtermWithOpenSessionsRemovesTheTableAndExitsZero) {
    const auto other = connect();
    client().redirect(client().openSession(),
                      {ConnectAddress(Lab::serverAddress(Family::V4), 21000)});
    RedirectRequest request;
    request.protocol = "udp";
    request.flags = AllowMultiple | TimeoutFlag;
    other->redirect(other->openSession(),
                    {ConnectAddress(Lab::serverAddress(Family::V6), 21000),
                     ConnectAddress(Lab::serverAddress(Family::V6), 21001)},
                    request);
    ASSERT_EQ(client().firewall().ActiveRedirects(), 3U);
    ASSERT_GT(kernelElements(), 0U);

    EXPECT_EQ(stopDaemon(), std::optional<int>(0)) << fwxd->log();
    const std::string tables = run({"nft", "list", "tables"}).out;
    EXPECT_EQ(tables.find("fwxd"), std::string::npos) << tables;
    EXPECT_NE(fwxd->log().find("stopping: removing 3 redirect(s) of 2 session(s)"),
              std::string::npos)
        << fwxd->log();
}

// A bad configuration stops fwxd at start with the file, line and key, before it touches
// the bus or the kernel.
TEST_F(Lifecycle, BadConfigurationStopsTheStartNamingFileLineAndKey) {
    const std::string config = bus.directory() + "/bad.conf";
    const std::string log = bus.directory() + "/bad.log";
    {
        std::ofstream out(config);
        out << "[Redirect]\nInternalAddresses=203.0.113.1\nPortRange=41999-41000\n";
    }
    ChildOptions options;
    options.outputFile = log;
    ChildProcess bad({FwxdProcess::binary(), "--bus", bus.address(), "--config", config}, options);
    EXPECT_EQ(bad.wait(std::chrono::seconds(30)), std::optional<int>(78)) << "EX_CONFIG";
    std::stringstream text;
    text << std::ifstream(log).rdbuf();
    EXPECT_NE(text.str().find(config + ":3: [Redirect] PortRange: "), std::string::npos)
        << text.str();
    // The running daemon still owns its table and name.
    EXPECT_EQ(client().firewall().Version(), FWXD_EXPECTED_VERSION);
}

// A datagram socket standing in for systemd's notification socket.
UniqueFd notifySocket(const std::string& path) {
    UniqueFd socket(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!socket) {
        ADD_FAILURE() << "socket: " << std::strerror(errno);
        return socket;
    }
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path.copy(address.sun_path, sizeof address.sun_path - 1);
    if (::bind(socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        ADD_FAILURE() << "bind " << path << ": " << std::strerror(errno);
    }
    return socket;
}

// Under systemd (Type=notify) fwxd says READY=1 once it owns its name, STOPPING=1 on SIGTERM.
TEST_F(Lifecycle, NotifiesSystemdWhenReadyAndWhenStopping) {
    const std::string socketPath = bus.directory() + "/notify";
    const UniqueFd socket = notifySocket(socketPath);
    ASSERT_TRUE(socket);
    stopDaemon();

    ::setenv("NOTIFY_SOCKET", socketPath.c_str(), 1);
    FwxdProcess notifying(bus, settings);
    ::unsetenv("NOTIFY_SOCKET");
    const auto receive = [&] {
        std::array<char, 512> buffer{};
        const ssize_t n = ::recv(socket.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
        return n > 0 ? std::string(buffer.data(), static_cast<std::size_t>(n)) : std::string();
    };
    std::string ready;
    EXPECT_TRUE(waitUntil([&] { return !(ready = receive()).empty(); }, std::chrono::seconds(10),
                          "READY=1"));
    EXPECT_NE(ready.find("READY=1"), std::string::npos) << ready;
    EXPECT_EQ(notifying.terminate(), std::optional<int>(0)) << notifying.log();
    std::string stopping;
    EXPECT_TRUE(waitUntil([&] { return !(stopping = receive()).empty(); }, std::chrono::seconds(10),
                          "STOPPING=1"));
    EXPECT_NE(stopping.find("STOPPING=1"), std::string::npos) << stopping;
}

// Under WatchdogSec= the event loop itself tells systemd it is alive, at half the interval.
TEST_F(Lifecycle, TheEventLoopFeedsTheSystemdWatchdog) {
    const std::string socketPath = bus.directory() + "/notify";
    const UniqueFd socket = notifySocket(socketPath);
    ASSERT_TRUE(socket);
    stopDaemon();

    ::setenv("NOTIFY_SOCKET", socketPath.c_str(), 1);
    ::setenv("WATCHDOG_USEC", "200000", 1);
    FwxdProcess watched(bus, settings);
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("NOTIFY_SOCKET");
    int pings = 0;
    const auto receive = [&] {
        std::array<char, 512> buffer{};
        const ssize_t n = ::recv(socket.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n > 0 && std::string(buffer.data(), static_cast<std::size_t>(n)).find("WATCHDOG=1") !=
                         std::string::npos) {
            ++pings;
        }
        return pings >= 3;
    };
    EXPECT_TRUE(waitUntil(receive, std::chrono::seconds(10), "three WATCHDOG=1"));
    EXPECT_EQ(watched.terminate(), std::optional<int>(0)) << watched.log();
}

// The bus dies under fwxd: every session belonged to a connection of it, so nothing fwxd
// programmed has an owner, and no one could reach fwxd to close it. fwxd removes it all,
// says why, and exits non-zero so that systemd restarts it.
TEST_F(Lifecycle, LosingTheBusRemovesEverythingAndExitsNonZero) {
    Target server{lab, Family::V4, net::Transport::Tcp};
    RedirectRequest request;
    request.flags = AllowMultiple;
    const Redirected redirected = client().redirect(
        client().openSession(),
        {ConnectAddress(server.address().address(), server.address().port())}, request);
    const SocketAddress internal(redirected.internalAddress, redirected.basePort);
    ASSERT_TRUE(server.reachedVia(internal, Client{&lab.client(), {}, {}}));

    // The bus first: a client that left before could have its session closed by then.
    bus.kill();
    disconnectClient();
    const std::optional<int> status = waitForDaemonExit(std::chrono::seconds(10));
    ASSERT_TRUE(status.has_value()) << "fwxd still runs without its bus";
    EXPECT_EQ(*status, 3) << fwxd->log();
    const std::string tables = run({"nft", "list", "tables"}).out;
    EXPECT_EQ(tables.find("fwxd"), std::string::npos) << tables;
    EXPECT_FALSE(server.reachedVia(internal, Client{&lab.client(), {}, {}}));
    EXPECT_NE(fwxd->log().find("lost the D-Bus connection"), std::string::npos) << fwxd->log();
    EXPECT_NE(fwxd->log().find("stopping: removing 1 redirect(s) of 1 session(s)"),
              std::string::npos)
        << fwxd->log();
}

TEST_F(Lifecycle, TableBelongsToTheDaemon) {
    // The owner flag: even root's nft may not change fwxd's table while fwxd runs.
    const CommandResult flush = tryRun({"nft", "flush", "table", "inet", "fwxd"});
    EXPECT_NE(flush.exitStatus, 0) << flush.out;
    EXPECT_EQ(client().firewall().Version(), FWXD_EXPECTED_VERSION);
}

// A second fwxd in the namespace, root like the first: the kernel refuses it the table
// with EPERM, which must not read as a missing capability.
TEST_F(Lifecycle, ASecondFwxdInTheNamespaceIsToldTheTableIsTaken) {
    const BusDaemon otherBus;
    try {
        const FwxdProcess second(otherBus, settings);
        ADD_FAILURE() << "a second fwxd started: " << second.log();
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("table inet fwxd belongs to another process in this network "
                            "namespace (netlink port id "),
                  std::string::npos)
            << what;
        EXPECT_EQ(what.find("CAP_NET_ADMIN"), std::string::npos) << what;
        EXPECT_NE(what.find("exited with status 1"), std::string::npos) << what;
    }
    EXPECT_EQ(client().firewall().Version(), FWXD_EXPECTED_VERSION) << "the first one serves on";
}

} // namespace
} // namespace fwx::test
