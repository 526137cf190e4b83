#include "FwxdProcess.hpp"

#include "lab/Lab.hpp"
#include "lab/WaitUntil.hpp"

#include <csignal>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <sdbus-c++/sdbus-c++.h>

#ifndef FWXD_PATH
#error "FWXD_PATH must name the fwxd binary under test (set by meson)"
#endif

namespace fwx::test {

namespace {

// Generous: the daemon may run under ASan on a busy 2-core machine.
constexpr milliseconds StartTimeout{30'000};
constexpr milliseconds StopTimeout{30'000};

std::string joined(const std::vector<std::string>& words) {
    std::string text;
    for (const std::string& word : words) {
        text += text.empty() ? "" : " ";
        text += word;
    }
    return text;
}

bool nameHasOwner(sdbus::IProxy& driver) {
    bool owned = false;
    driver.callMethod("NameHasOwner")
        .onInterface("org.freedesktop.DBus")
        .withArguments(std::string("org.fwxd.Firewall1"))
        .storeResultsTo(owned);
    return owned;
}

} // namespace

std::string FwxdSettings::configText() const {
    const std::vector<std::string> internal =
        internalAddresses.empty() ? std::vector<std::string>{Lab::internalAddress(Family::V4),
                                                             Lab::internalAddress(Family::V6)}
                                  : internalAddresses;
    std::ostringstream text;
    text << "[Redirect]\n"
         << "InternalAddresses=" << joined(internal) << "\n"
         << "PortRange=" << portRange << "\n"
         << "MaxPortsPerRequest=" << maxPortsPerRequest << "\n"
         << "DefaultTimeoutSec=" << defaultTimeoutSec << "\n"
         << "MaxTimeoutSec=" << maxTimeoutSec << "\n"
         << "\n[Access]\n";
    if (!allowedUsers.empty()) {
        text << "AllowedUsers=" << joined(allowedUsers) << "\n";
    }
    if (!allowedGroups.empty()) {
        text << "AllowedGroups=" << joined(allowedGroups) << "\n";
    }
    if (!adminUsers.empty()) {
        text << "AdminUsers=" << joined(adminUsers) << "\n";
    }
    text << "MaxSessionsPerClient=" << maxSessionsPerClient << "\n"
         << "MaxActionsPerClient=" << maxActionsPerClient << "\n"
         << "MaxSessionsPerUser=" << maxSessionsPerUser << "\n"
         << "MaxActionsPerUser=" << maxActionsPerUser << "\n"
         << "MaxProtocolsPerUser=" << maxProtocolsPerUser << "\n"
         << "\n[Conntrack]\n"
         << "EventFilter=" << (eventFilter ? "yes" : "no") << "\n"
         << "EventBufferBytes=" << eventBufferBytes << "\n"
         << "\n[Relay]\n"
         << "UdpIdleTimeoutSec=" << udpIdleTimeoutSec << "\n";
    return text.str();
}

std::string FwxdProcess::binary() {
    return FWXD_PATH;
}

FwxdProcess::FwxdProcess(const BusDaemon& bus, const FwxdSettings& settings, ChildOptions options)
    : logFile_(bus.directory() + "/fwxd.log") {
    const std::string config = bus.directory() + "/fwxd.conf";
    {
        std::ofstream out(config);
        out << settings.configText();
        if (!out.flush()) {
            throw std::runtime_error("cannot write " + config);
        }
    }
    options.outputFile = logFile_;
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{binary(), "--bus", bus.address(), "--config", config}, options);

    auto connection = sdbus::createSessionBusConnectionWithAddress(bus.address());
    auto driver = sdbus::createProxy(*connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    bool exited = false;
    const auto started = waitUntil(
        [&] {
            exited = process_->poll().has_value();
            return exited || nameHasOwner(*driver);
        },
        StartTimeout, "fwxd to own org.fwxd.Firewall1");
    if (!started || exited) {
        const auto status = process_->poll();
        throw std::runtime_error(
            std::string(started ? "" : started.message()) + "\nfwxd " +
            (status ? "exited with status " + std::to_string(*status) : "still runs") +
            "; its log:\n" + log());
    }
}

FwxdProcess::~FwxdProcess() {
    process_.reset();
}

std::optional<int> FwxdProcess::terminate() {
    return process_->stop(SIGTERM, StopTimeout);
}

std::optional<int> FwxdProcess::waitForExit(milliseconds timeout) {
    return process_->wait(timeout);
}

bool FwxdProcess::running() {
    return !process_->poll().has_value();
}

std::string FwxdProcess::log() const {
    std::ifstream in(logFile_);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace fwx::test
