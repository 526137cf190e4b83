// fwx::bench::BusClient: one D-Bus connection to fwxd, straight on libsystemd's sd-bus C API,
// so that the client costs next to nothing next to what it measures.
//
// One BusClient per thread: an sd_bus connection must not be used by two threads at once.
// Every call is synchronous and bounded by a timeout; a D-Bus error reply throws
// BusCallError with the error's name, so that a benchmark can count errors by name.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

struct sd_bus;

namespace fwx::bench {

class BusCallError : public std::runtime_error {
public:
    BusCallError(std::string name, const std::string& message);
    // "org.fwxd.Error.PortsExhausted", or "errno:ETIMEDOUT" when no reply came.
    const std::string& name() const noexcept { return name_; }

private:
    std::string name_;
};

struct Target {
    std::string address;
    std::uint16_t port = 0;
};

struct RedirectCall {
    std::vector<Target> targets;
    std::string protocol = "tcp"; // "tcp" or "udp"
    std::uint32_t flags = 0;      // 0x1 ALLOW_MULTIPLE, 0x2 TIMEOUT, 0x4 NO_KERNEL_MODE
};

struct RedirectReply {
    std::string internalAddress;
    std::uint16_t basePort = 0;
    std::vector<std::string> actions; // object paths
};

class BusClient {
public:
    // Connects to address (e.g. "unix:path=/tmp/fwxd-bus-XXXXXX/bus") as a bus client
    // (Hello included). Throws BusCallError.
    explicit BusClient(const std::string& address);
    ~BusClient();
    BusClient(const BusClient&) = delete;
    BusClient& operator=(const BusClient&) = delete;
    BusClient(BusClient&&) noexcept;
    BusClient& operator=(BusClient&&) noexcept;

    // The connection's unique name, e.g. ":1.42".
    std::string uniqueName() const;

    // org.freedesktop.DBus.Peer.Ping on org.fwxd.Firewall1: the bare round trip.
    void ping();
    // Firewall1.OpenSession with an empty a{sv}; returns the session's path.
    std::string openSession();
    // Session1.RedirectConnections(targets, "", "", protocol, flags, "", {}).
    RedirectReply redirect(const std::string& session, const RedirectCall& call);
    // Action1.Cancel.
    void cancel(const std::string& action);
    // Session1.Close.
    void closeSession(const std::string& session);
    // Firewall1.ActiveRedirects.
    std::uint32_t activeRedirects();

    // Flushes and closes the connection: the bus tells fwxd that this client left.
    void disconnect() noexcept;

    // How long a call waits for its reply (at least 1 ms); after it the call throws
    // BusCallError "org.freedesktop.DBus.Error.Timeout".
    void setCallTimeout(std::chrono::microseconds timeout) noexcept;
    // Long enough for a slow daemon at scale (a request against a large conntrack table),
    // short enough that a hung daemon cannot stall a whole run.
    static constexpr std::chrono::microseconds DefaultCallTimeout{120'000'000};

private:
    struct Close {
        void operator()(sd_bus* bus) const noexcept;
    };
    std::unique_ptr<sd_bus, Close> bus_;
    std::chrono::microseconds timeout_ = DefaultCallTimeout;
};

} // namespace fwx::bench
