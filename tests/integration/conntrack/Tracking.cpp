#include "Tracking.hpp"

#include "conntrack/KernelSettings.hpp"
#include "lab/Netns.hpp"
#include "lab/Nft.hpp"

#include <stdexcept>

namespace fwx::test {

void trackConnections() {
    conntrack::requireConntrackEvents();
    if (!conntrack::enableAccounting()) {
        throw std::runtime_error("could not set net.netfilter.nf_conntrack_acct=1");
    }
    writeSysctl("net/netfilter/nf_conntrack_tcp_timeout_time_wait", "1");
    nftApply(R"(
table inet listener_test {
    chain forward {
        type filter hook forward priority filter; policy accept;
        ct state new counter
    }
}
)");
}

void attachIrcHelper() {
    nftApply(R"(
table inet listener_helper {
    ct helper irc {
        type "irc" protocol tcp
        l3proto ip
    }
    chain prerouting {
        type filter hook prerouting priority filter; policy accept;
        tcp dport 6667 ct helper set "irc"
    }
}
)");
}

net::Endpoint endpointOf(const SocketAddress& address) {
    return net::Endpoint{net::Address::parse(address.address()), address.port()};
}

} // namespace fwx::test
