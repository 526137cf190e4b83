// The conntrack sysctls fwxd checks, in the test's own network namespace.
#include "conntrack/KernelSettings.hpp"

#include "lab/Netns.hpp"

#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace fwx::test {
namespace {

std::string readSysctl(const std::string& path) {
    std::ifstream file("/proc/sys/" + path);
    std::string value;
    file >> value;
    return value;
}

TEST(KernelSettings, ConntrackEventsAreSetFromAutoToOne) {
    writeSysctl("net/netfilter/nf_conntrack_events", "2");
    conntrack::requireConntrackEvents();
    EXPECT_EQ(readSysctl("net/netfilter/nf_conntrack_events"), "1");
    conntrack::requireConntrackEvents(); // and left alone when it is
    EXPECT_EQ(readSysctl("net/netfilter/nf_conntrack_events"), "1");
}

TEST(KernelSettings, AccountingIsSwitchedOn) {
    writeSysctl("net/netfilter/nf_conntrack_acct", "0");
    EXPECT_TRUE(conntrack::enableAccounting());
    EXPECT_EQ(readSysctl("net/netfilter/nf_conntrack_acct"), "1");
}

} // namespace
} // namespace fwx::test
