// fwx::test::BusDaemon: a private dbus-daemon for one test, on unix:path=<tempdir>/bus.
//
// Its policy lets every uid connect, send and own names, so that a test can call fwxd as
// another user; the directory is world-accessible for the same reason. The directory is
// unique (mkdtemp): engineers and CI run many of these at once.
#pragma once

#include "ChildProcess.hpp"

#include <memory>
#include <string>

namespace fwx::test {

class BusDaemon {
public:
    // Starts dbus-daemon and returns once it listens. Throws std::runtime_error.
    BusDaemon();
    // Kills and reaps the dbus-daemon and removes the directory.
    ~BusDaemon();
    BusDaemon(const BusDaemon&) = delete;
    BusDaemon& operator=(const BusDaemon&) = delete;

    // "unix:path=/tmp/fwxd-bus-XXXXXX/bus"
    const std::string& address() const noexcept { return address_; }
    // The temporary directory, for files that belong to the test (configuration, logs).
    const std::string& directory() const noexcept { return directory_; }
    // SIGKILL: the bus dies as it would by a crash, without a word to its clients.
    void kill();

private:
    std::string directory_;
    std::string address_;
    std::unique_ptr<ChildProcess> process_;
};

} // namespace fwx::test
