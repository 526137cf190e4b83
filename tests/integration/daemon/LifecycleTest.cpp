// fwxd's own life: SIGTERM with sessions open removes everything and exits 0.
#include "DaemonFixture.hpp"
#include "lab/Command.hpp"
#include "lab/Lab.hpp"

#include <gtest/gtest.h>

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

TEST_F(Lifecycle, TableBelongsToTheDaemon) {
    // The owner flag: even root's nft may not change fwxd's table while fwxd runs.
    const CommandResult flush = tryRun({"nft", "flush", "table", "inet", "fwxd"});
    EXPECT_NE(flush.exitStatus, 0) << flush.out;
    EXPECT_EQ(client().firewall().Version(), FWXD_EXPECTED_VERSION);
}

} // namespace
} // namespace fwx::test
