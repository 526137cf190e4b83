// fwx::test::DaemonFixture: the lab, a private bus and the real fwxd serving on it, with one
// client connection of the test (root). Tests that need another configuration change
// `settings` in their constructor; SetUp() starts the daemon with it.
#pragma once

#include "BusDaemon.hpp"
#include "FwxdClient.hpp"
#include "FwxdProcess.hpp"
#include "lab/Command.hpp"
#include "lab/Lab.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace fwx::test {

class DaemonFixture : public ::testing::Test {
protected:
    void SetUp() override;
    // Closes the clients, stops fwxd with SIGTERM and expects exit status 0; prints the
    // daemon's log when the test failed.
    void TearDown() override;

    FwxdClient& client() { return *client_; }
    // Another client connection of the test process (root).
    std::unique_ptr<FwxdClient> connect() const;
    // Drops the test's own client connection (as if it crashed).
    void disconnectClient() { client_.reset(); }

    // Stops fwxd (SIGTERM) now; its exit status, nullopt if it had to be killed.
    std::optional<int> stopDaemon();
    // Waits up to timeout for fwxd to exit by itself; its exit status, nullopt if it still
    // runs (TearDown then kills it).
    std::optional<int> waitForDaemonExit(milliseconds timeout);

    // `busctl --address=BUS args...` as root, and as uid/gid 65534 through setpriv.
    CommandResult busctl(const std::vector<std::string>& args) const;
    CommandResult busctlAsNobody(const std::vector<std::string>& args) const;
    // `gdbus call` as uid/gid 65534: unlike busctl it prints the D-Bus error name.
    CommandResult gdbusCallAsNobody(const std::string& path, const std::string& method,
                                    const std::vector<std::string>& args = {}) const;

    static ConnectAddress target(const std::string& address, std::uint16_t port) {
        return ConnectAddress(address, port);
    }

    // Elements over every set and map of table inet fwxd.
    static std::size_t kernelElements();
    // The elements of one set or map, e.g. "ports_v4".
    static std::size_t kernelElements(const std::string& set);

    Lab lab;
    BusDaemon bus;
    FwxdSettings settings;
    // How SetUp() runs fwxd besides its configuration (a journal stream, private mounts).
    ChildOptions fwxdOptions;
    std::unique_ptr<FwxdProcess> fwxd;

private:
    std::unique_ptr<FwxdClient> client_;
    bool stopped_ = false;
};

// The uid and gid other-user tests run as ("nobody"/"nogroup" on Debian).
inline constexpr unsigned NobodyId = 65534;

} // namespace fwx::test
