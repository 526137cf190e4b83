#include "DaemonFixture.hpp"

#include "Firewall.hpp"

#include <iostream>

namespace fwx::test {

namespace {

std::vector<std::string> asNobody(std::vector<std::string> argv) {
    const std::string id = std::to_string(NobodyId);
    std::vector<std::string> full{"setpriv", "--reuid=" + id, "--regid=" + id, "--clear-groups"};
    full.insert(full.end(), argv.begin(), argv.end());
    return full;
}

} // namespace

void DaemonFixture::SetUp() {
    fwxd = std::make_unique<FwxdProcess>(bus, settings, fwxdOptions);
    client_ = std::make_unique<FwxdClient>(bus.address());
}

void DaemonFixture::TearDown() {
    client_.reset();
    if (fwxd && !stopped_) {
        const auto status = stopDaemon();
        EXPECT_EQ(status, std::optional<int>(0)) << "fwxd did not exit 0 on SIGTERM";
    }
    if (HasFailure() && fwxd) {
        std::cerr << "---- fwxd log ----\n" << fwxd->log() << "---- end of fwxd log ----\n";
    }
}

std::unique_ptr<FwxdClient> DaemonFixture::connect() const {
    return std::make_unique<FwxdClient>(bus.address());
}

std::optional<int> DaemonFixture::stopDaemon() {
    stopped_ = true;
    return fwxd->terminate();
}

std::optional<int> DaemonFixture::waitForDaemonExit(milliseconds timeout) {
    stopped_ = true;
    return fwxd->waitForExit(timeout);
}

CommandResult DaemonFixture::busctl(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{"busctl", "--address=" + bus.address()};
    argv.insert(argv.end(), args.begin(), args.end());
    return tryRun(argv);
}

CommandResult DaemonFixture::busctlAsNobody(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{"busctl", "--address=" + bus.address()};
    argv.insert(argv.end(), args.begin(), args.end());
    return tryRun(asNobody(argv));
}

CommandResult DaemonFixture::gdbusCallAsNobody(const std::string& path, const std::string& method,
                                               const std::vector<std::string>& args) const {
    std::vector<std::string> argv{"gdbus",  "call",          "--address", bus.address(), "--dest",
                                  FwxdName, "--object-path", path,        "--method",    method};
    argv.insert(argv.end(), args.begin(), args.end());
    return tryRun(asNobody(argv));
}

std::size_t DaemonFixture::kernelElements() {
    return nftElementCount();
}

std::size_t DaemonFixture::kernelElements(const std::string& set) {
    return nftElements(set).size();
}

} // namespace fwx::test
