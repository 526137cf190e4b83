#include "ConntrackFixture.hpp"

#include "lab/Conntrack.hpp"
#include "lab/Netns.hpp"

#include <chrono>

namespace fwx::test {

namespace {
// The lab's firewall namespace is the test process's own; these are its defaults.
constexpr const char* TimeWait = "net/netfilter/nf_conntrack_tcp_timeout_time_wait";
constexpr const char* Udp = "net/netfilter/nf_conntrack_udp_timeout";
constexpr const char* UdpStream = "net/netfilter/nf_conntrack_udp_timeout_stream";
} // namespace

void ConntrackFixture::SetUp() {
    DaemonFixture::SetUp();
    writeSysctl(TimeWait, "1");
    writeSysctl(Udp, "2");
    writeSysctl(UdpStream, "2");
}

::testing::AssertionResult ConntrackFixture::reapUntil(const std::function<bool()>& done,
                                                       milliseconds timeout,
                                                       const std::string& what) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        conntrackList();
        client().sync();
        if (done()) {
            return ::testing::AssertionSuccess();
        }
        // Paces the loop: returns early when a signal arrives.
        (void)client().waitForSignal("/", "Closed", std::nullopt, milliseconds{200});
    }
    return ::testing::AssertionFailure() << "timed out waiting for " << what << "; received:\n"
                                         << client().signals().describe();
}

void ConntrackFixture::TearDown() {
    writeSysctl(TimeWait, "120");
    writeSysctl(Udp, "30");
    writeSysctl(UdpStream, "120");
    DaemonFixture::TearDown();
}

} // namespace fwx::test
