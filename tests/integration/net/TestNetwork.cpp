#include "TestNetwork.hpp"

#include "Command.hpp"

#include <cstdio>

namespace fwx::net::test {

namespace {

::testing::AssertionResult addInterface() {
    if (runCommand({"ip", "link", "add", kInterface, "type", "dummy"})) {
        return ::testing::AssertionSuccess();
    }
    // Some kernels (this project's test VMs among them) are built without CONFIG_DUMMY;
    // one end of a veth pair, with both ends up, serves as well.
    std::fprintf(stderr, "net-queries: no dummy interfaces here, using a veth pair\n");
    if (auto result = runCommand(
            {"ip", "link", "add", kInterface, "type", "veth", "peer", "name", "fwx0-peer"});
        !result) {
        return result;
    }
    return runCommand({"ip", "link", "set", "fwx0-peer", "up"});
}

} // namespace

::testing::AssertionResult setUpTestNetwork() {
    if (auto result = runCommand({"ip", "link", "set", "lo", "up"}); !result) {
        return result;
    }
    if (auto result = addInterface(); !result) {
        return result;
    }
    for (const char* address : {"192.0.2.1/24", "192.0.2.3/24", "192.0.2.4/24"}) {
        if (auto result = runCommand({"ip", "address", "add", address, "dev", kInterface});
            !result) {
            return result;
        }
    }
    // nodad: usable at once, not "tentative" for a second of duplicate detection.
    if (auto result = runCommand(
            {"ip", "-6", "address", "add", "2001:db8::1/64", "dev", kInterface, "nodad"});
        !result) {
        return result;
    }
    return runCommand({"ip", "link", "set", kInterface, "up"});
}

} // namespace fwx::net::test
