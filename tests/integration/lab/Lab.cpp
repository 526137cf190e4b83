#include "lab/Lab.hpp"

#include "lab/Command.hpp"
#include "lab/Conntrack.hpp"
#include "lab/FirewallNetns.hpp"

#include <atomic>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fwx::test {

namespace {

struct FamilyAddresses {
    std::string_view client;
    std::string_view firewallClientSide;
    std::string_view firewallServerSide;
    std::string_view proxy;
    std::string_view internal;
    std::string_view server;
    std::string_view subnet;     // prefix length of the two links
    std::string_view hostPrefix; // prefix length of the internal address
};

// The firewall's lab links carry this link group so that teardown deletes them in one
// request: one RCU grace period instead of one per link.
constexpr std::string_view linkGroup = "77";

constexpr FamilyAddresses v4{
    .client = "192.0.2.2",
    .firewallClientSide = "192.0.2.1",
    .firewallServerSide = "198.51.100.1",
    .proxy = "198.51.100.100",
    .internal = "203.0.113.1",
    .server = "198.51.100.2",
    .subnet = "24",
    .hostPrefix = "32",
};

constexpr FamilyAddresses v6{
    .client = "2001:db8:c::2",
    .firewallClientSide = "2001:db8:c::1",
    .firewallServerSide = "2001:db8:5::1",
    .proxy = "2001:db8:5::100",
    .internal = "2001:db8:1::1",
    .server = "2001:db8:5::2",
    .subnet = "64",
    .hostPrefix = "128",
};

const FamilyAddresses& addresses(Family family) {
    return family == Family::V4 ? v4 : v6;
}

std::string withPrefix(std::string_view address, std::string_view prefix) {
    return std::string(address) + "/" + std::string(prefix);
}

std::atomic<bool> labExists{false};

// Settings every namespace of the lab gets, before any interface exists.
void tuneNamespace() {
    // No duplicate address detection: addresses, including link-local ones, are usable
    // the moment they are added, instead of after a second of "tentative".
    writeSysctl("net/ipv6/conf/default/accept_dad", "0");
    writeSysctl("net/ipv6/conf/all/accept_dad", "0");
    // A test expects an ICMP error for every probe, not only for the first few.
    writeSysctl("net/ipv4/icmp_ratelimit", "0");
    writeSysctl("net/ipv6/icmp/ratelimit", "0");
    // The namespace's budget of ICMP errors over all peers (IPv4 and IPv6 alike): 1000 a
    // second with bursts of 50 by default, less than a test's bursts of refused probes
    // (SingleUseRace: 15 in each trial, trials back to back).
    writeSysctl("net/ipv4/icmp_msgs_per_sec", "100000");
    writeSysctl("net/ipv4/icmp_msgs_burst", "10000");
}

// Commands for one `ip -batch`: one process per namespace instead of one per command.
class IpScript {
public:
    template <class... Words> void add(const Words&... words) {
        std::string line;
        ((line += std::string_view(words), line += ' '), ...);
        line.back() = '\n';
        script_ += line;
    }

    // Runs the script in ns (null = the firewall), stopping at the first failing line.
    void apply(const Netns* ns) const {
        std::vector<std::string> argv{"ip"};
        if (ns != nullptr) {
            argv.insert(argv.end(), {"-n", ns->name()});
        }
        argv.insert(argv.end(), {"-batch", "-"});
        try {
            runWithInput(argv, script_);
        } catch (const CommandError& e) {
            // ip names the failing line by number only.
            throw CommandError(std::string(e.what()) + "in script:\n" + script_, e.result());
        }
    }

private:
    std::string script_;
};

// Adds the veth link between the firewall (link, selfV4/V6) and ns (eth0, peerV4/V6) to
// the firewall's script, and returns ns's script: its end of the link and default routes
// via the firewall.
IpScript linkSide(IpScript& firewall, const Netns& ns, std::string_view link,
                  std::string_view peerV4, std::string_view peerV6, std::string_view selfV4,
                  std::string_view selfV6) {
    // Created here and the peer end placed straight into ns: no name can clash with the
    // host or with another test process's lab.
    firewall.add("link add", link, "type veth peer name", Lab::peerLink, "netns", ns.name());
    firewall.add("link set dev", link, "group", linkGroup);
    firewall.add("addr add", withPrefix(selfV4, v4.subnet), "dev", link);
    firewall.add("addr add", withPrefix(selfV6, v6.subnet), "dev", link, "nodad");
    firewall.add("link set", link, "up");
    IpScript side;
    side.add("link set lo up");
    side.add("addr add", withPrefix(peerV4, v4.subnet), "dev", Lab::peerLink);
    side.add("addr add", withPrefix(peerV6, v6.subnet), "dev", Lab::peerLink, "nodad");
    side.add("link set", Lab::peerLink, "up");
    side.add("route add default via", selfV4);
    side.add("route add default via", selfV6);
    return side;
}

} // namespace

Lab::Claim::Claim() {
    if (!inFirewallNetns()) {
        throw std::logic_error("Lab must be built in the test process's own network namespace "
                               "(link the lab's main(), and not inside Netns::run())");
    }
    if (labExists.exchange(true)) {
        throw std::logic_error("only one Lab may exist at a time in a process");
    }
}

Lab::Claim::~Claim() {
    labExists = false;
}

Lab::Lab()
    : client_("client")
    , server_("server") {
    try {
        build();
    } catch (...) {
        teardownFirewall();
        throw;
    }
}

Lab::~Lab() {
    teardownFirewall();
}

void Lab::build() {
    tuneNamespace();
    writeSysctl("net/ipv4/ip_forward", "1");
    writeSysctl("net/ipv6/conf/all/forwarding", "1");
    client_.run(tuneNamespace);
    server_.run(tuneNamespace);

    IpScript firewall;
    firewall.add("link set lo up");
    // A veth pair with an idle peer stands in for a dummy link: CONFIG_DUMMY is missing
    // from some kernels the tests run on, veth the lab needs anyway.
    firewall.add("link add", internalLink, "type veth peer name", internalPeerLink);
    firewall.add("link set dev", internalLink, "group", linkGroup);
    firewall.add("link set", internalPeerLink, "up");
    firewall.add("addr add", withPrefix(v4.internal, v4.hostPrefix), "dev", internalLink);
    firewall.add("addr add", withPrefix(v6.internal, v6.hostPrefix), "dev", internalLink, "nodad");
    firewall.add("link set", internalLink, "up");
    IpScript client = linkSide(firewall, client_, clientSideLink, v4.client, v6.client,
                               v4.firewallClientSide, v6.firewallClientSide);
    IpScript server = linkSide(firewall, server_, serverSideLink, v4.server, v6.server,
                               v4.firewallServerSide, v6.firewallServerSide);
    // Same subnet as the primary address: IPv4 makes it secondary, and IPv6 is told not
    // to prefer it (preferred_lft 0), so the firewall's own connections only use it when
    // a test binds to it, like a proxy would.
    firewall.add("addr add", withPrefix(v4.proxy, v4.subnet), "dev", serverSideLink);
    firewall.add("addr add", withPrefix(v6.proxy, v6.subnet), "dev", serverSideLink,
                 "nodad preferred_lft 0");
    firewall.apply(nullptr);
    client.apply(&client_);
    server.apply(&server_);
}

// Leaves the firewall namespace as the next Lab expects it. Deleting one end of a veth
// pair deletes both; the namespaces themselves go with client_ and server_.
void Lab::teardownFirewall() noexcept {
    const std::vector<std::vector<std::string>> commands{
        {"nft", "flush", "ruleset"},
        {"conntrack", "-F"},
        {"conntrack", "-F", "expect"},
    };
    try {
        // Fails harmlessly when a half-built Lab created none.
        static_cast<void>(tryRun({"ip", "link", "del", "group", std::string(linkGroup)}));
        for (const auto& argv : commands) {
            run(argv);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "warning: lab teardown: %s\n", e.what());
    }
}

std::string Lab::clientAddress(Family family) {
    return std::string(addresses(family).client);
}

std::string Lab::serverAddress(Family family) {
    return std::string(addresses(family).server);
}

std::string Lab::firewallClientSide(Family family) {
    return std::string(addresses(family).firewallClientSide);
}

std::string Lab::firewallServerSide(Family family) {
    return std::string(addresses(family).firewallServerSide);
}

std::string Lab::proxyAddress(Family family) {
    return std::string(addresses(family).proxy);
}

std::string Lab::internalAddress(Family family) {
    return std::string(addresses(family).internal);
}

} // namespace fwx::test
