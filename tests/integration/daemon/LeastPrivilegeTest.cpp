// "CAP_NET_ADMIN and nothing more" (issue 13, item 2), run rather than written: the real
// fwxd started as uid/gid 65534 through setpriv(1), holding CAP_NET_ADMIN as its only
// capability (ambient, inheritable, permitted, effective and bounding), as the unit's
// User=, AmbientCapabilities= and CapabilityBoundingSet= give it. A redirect with real
// traffic, its Established and Closed, and a clean stop must all work that way.
#include "ConntrackFixture.hpp"
#include "Target.hpp"
#include "lab/FamilyParam.hpp"
#include "lab/Nft.hpp"
#include "net/Transport.hpp"

#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include <gtest/gtest.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;
using net::Transport;

// CAP_NET_ADMIN is capability 12: the mask /proc/PID/status prints for it alone.
constexpr const char* NetAdminOnly = "0000000000001000";

// The "Key:\tvalue" lines of /proc/PID/status.
std::map<std::string, std::string> processStatus(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::map<std::string, std::string> fields;
    std::string line;
    while (std::getline(in, line)) {
        const auto colon = line.find(':');
        if (colon != std::string::npos) {
            const auto value = line.find_first_not_of(" \t", colon + 1);
            fields[line.substr(0, colon)] = value == std::string::npos ? "" : line.substr(value);
        }
    }
    return fields;
}

using Param = FamilyTransport;

class LeastPrivilege : public ConntrackFixture, public ::testing::WithParamInterface<Param> {
protected:
    LeastPrivilege() {
        const std::string id = std::to_string(NobodyId);
        fwxdOptions.launcher = {"/usr/bin/setpriv",
                                "--reuid=" + id,
                                "--regid=" + id,
                                "--clear-groups",
                                "--inh-caps=-all,+net_admin",
                                "--ambient-caps=-all,+net_admin",
                                "--bounding-set=-all,+net_admin",
                                "--"};
    }

    Family family() const { return std::get<0>(GetParam()); }
    Transport transport() const { return std::get<1>(GetParam()); }

    Target server{lab, family(), transport()};
};

TEST_P(LeastPrivilege, RedirectsWithOnlyCapNetAdmin) {
    const auto status = processStatus(fwxd->pid());
    EXPECT_EQ(status.at("Uid"), "65534\t65534\t65534\t65534");
    EXPECT_EQ(status.at("Gid"), "65534\t65534\t65534\t65534");
    EXPECT_EQ(status.at("Groups"), "");
    for (const char* set : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
        EXPECT_EQ(status.at(set), NetAdminOnly) << set;
    }

    RedirectRequest request;
    request.protocol = std::string(net::toString(transport()));
    request.proxyExternalAddress = Lab::proxyAddress(family());
    const Redirected redirected = client().redirect(
        client().openSession(),
        {ConnectAddress(server.address().address(), server.address().port())}, request);
    const sdbus::ObjectPath& action = redirected.actions.at(0);
    EXPECT_GT(kernelElements(), 0U);

    std::optional<SocketAddress> seenAs;
    ASSERT_TRUE(server.reachedVia({redirected.internalAddress, redirected.basePort},
                                  Client{&lab.client(), {}, {}}, &seenAs));
    EXPECT_EQ(seenAs->address(), Lab::proxyAddress(family()));
    ASSERT_TRUE(client().waitForSignal(action, "Established", std::nullopt, 10s))
        << "conntrack events reach an unprivileged fwxd";
    ASSERT_TRUE(reapUntil([&] { return client().received(action, "Closed") > 0; }, 30s, "Closed"));
    const auto closed = client().signals().of(action, "Closed");
    ASSERT_EQ(closed.size(), 1U);
    EXPECT_GT(field<std::uint64_t>(closed[0], "BytesFromTarget"), 0U)
        << "counters read by an unprivileged fwxd";
    EXPECT_TRUE(client().waitForSignal(action, "Finished", "consumed,1", 5s));

    ASSERT_EQ(stopDaemon(), 0) << fwxd->log();
    EXPECT_EQ(nftJson("tables").dump().find("\"fwxd\""), std::string::npos)
        << "the unprivileged fwxd left its table behind";
}

INSTANTIATE_TEST_SUITE_P(All, LeastPrivilege, familiesAndTransports(), FamilyTransportName());

} // namespace
} // namespace fwx::test
