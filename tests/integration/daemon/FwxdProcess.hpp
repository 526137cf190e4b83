// fwx::test::FwxdProcess: the real fwxd binary of this build, serving on a BusDaemon in the
// test's (firewall) network namespace, with a fwxd.conf written from FwxdSettings.
#pragma once

#include "BusDaemon.hpp"
#include "ChildProcess.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fwx::test {

// The keys of fwxd.conf the tests vary. The defaults suit the lab: its internal addresses
// and a port range of its own.
struct FwxdSettings {
    std::vector<std::string> internalAddresses; // empty = the lab's IPv4 and IPv6 ones
    std::string portRange = "41000-41999";
    unsigned maxPortsPerRequest = 8;
    unsigned defaultTimeoutSec = 30;
    unsigned maxTimeoutSec = 3600;
    std::vector<std::string> allowedUsers;
    std::vector<std::string> allowedGroups;
    std::vector<std::string> adminUsers;
    unsigned maxSessionsPerClient = 8;
    unsigned maxActionsPerClient = 64;
    unsigned maxSessionsPerUser = 256;
    unsigned maxActionsPerUser = 16384;
    unsigned maxProtocolsPerUser = 16;
    bool eventFilter = true;
    unsigned eventBufferBytes = 16U * 1024 * 1024;
    // [Relay] UdpIdleTimeoutSec: short, so that a relayed UDP flow ends within a test.
    unsigned udpIdleTimeoutSec = 2;

    // The text of fwxd.conf.
    std::string configText() const;
};

class FwxdProcess {
public:
    // Writes the configuration into bus.directory(), starts fwxd --bus ADDRESS --config FILE
    // (stdout and stderr to a log file there, whatever options.outputFile says; the other
    // options as given) and returns once org.fwxd.Firewall1 has an owner. Throws
    // std::runtime_error with the daemon's log if it exits or does not get there in time.
    FwxdProcess(const BusDaemon& bus, const FwxdSettings& settings, ChildOptions options = {});
    // Kills the daemon if terminate() was not called.
    ~FwxdProcess();
    FwxdProcess(const FwxdProcess&) = delete;
    FwxdProcess& operator=(const FwxdProcess&) = delete;

    // SIGTERM, then waits for the exit; the exit status, or nullopt if it had to be killed.
    std::optional<int> terminate();
    // Waits up to timeout for the daemon to exit by itself; nullopt if it still runs.
    std::optional<int> waitForExit(milliseconds timeout);
    // Whether the process still runs.
    bool running();
    pid_t pid() const noexcept { return process_->pid(); }
    // What the daemon logged so far.
    std::string log() const;

    // The path of the fwxd binary under test (from meson).
    static std::string binary();

private:
    std::string logFile_;
    std::unique_ptr<ChildProcess> process_;
};

} // namespace fwx::test
