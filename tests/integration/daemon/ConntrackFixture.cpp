#include "ConntrackFixture.hpp"

#include "lab/Netns.hpp"

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

void ConntrackFixture::TearDown() {
    writeSysctl(TimeWait, "120");
    writeSysctl(Udp, "30");
    writeSysctl(UdpStream, "120");
    DaemonFixture::TearDown();
}

} // namespace fwx::test
