// fwx::test::Lab: client — firewall — server, over veth, IPv4 and IPv6.
//
//   client ns                firewall (this process's ns)              server ns
//   eth0 ------------ veth-client        veth-server ------------ eth0
//   192.0.2.2/24       192.0.2.1/24       198.51.100.1/24          198.51.100.2/24
//   2001:db8:c::2/64   2001:db8:c::1/64   2001:db8:5::1/64         2001:db8:5::2/64
//                                         + proxy 198.51.100.100/24, 2001:db8:5::100/64
//                      fwx-internal: 203.0.113.1/32, 2001:db8:1::1/128 (no peer host)
//
// Documentation ranges only (RFC 5737, RFC 3849), so nothing can leak into a real network
// or collide with one. Client and server route everything via the firewall, which
// forwards. There is no nftables ruleset and no conntrack state at the start; the
// destructor removes what the test added to the firewall and deletes both namespaces.
#pragma once

#include "lab/Netns.hpp"
#include "lab/SocketAddress.hpp"

#include <string>
#include <string_view>

namespace fwx::test {

class Lab {
public:
    // Throws CommandError (with the failing ip command and its stderr) or std::system_error.
    // Only one Lab may exist at a time in a process, and only in the namespace that lab
    // main() created: the firewall's interfaces have fixed names.
    Lab();
    ~Lab();
    Lab(const Lab&) = delete;
    Lab& operator=(const Lab&) = delete;

    const Netns& client() const noexcept { return client_; }
    const Netns& server() const noexcept { return server_; }

    // Interface names in the firewall namespace.
    static constexpr std::string_view clientSideLink = "veth-client";
    static constexpr std::string_view serverSideLink = "veth-server";
    static constexpr std::string_view internalLink = "fwx-internal";
    static constexpr std::string_view internalPeerLink = "fwx-internal-p"; // idle end
    // The interface name inside the client and server namespaces.
    static constexpr std::string_view peerLink = "eth0";

    static std::string clientAddress(Family family);
    static std::string serverAddress(Family family);
    // The firewall's address on the client's link: the client's default gateway.
    static std::string firewallClientSide(Family family);
    // The firewall's address on the server's link: the server's default gateway.
    static std::string firewallServerSide(Family family);
    // A second firewall address on the server's link, the "proxy external address". The
    // firewall's own connections use it only when bound to it.
    static std::string proxyAddress(Family family);
    // The firewall's internal address (on fwx-internal) that redirects are opened on.
    static std::string internalAddress(Family family);

private:
    void build();
    void teardownFirewall() noexcept;

    // Holds the process's one Lab slot from before the namespaces exist until after they
    // are gone.
    class Claim {
    public:
        Claim();
        ~Claim();
        Claim(const Claim&) = delete;
        Claim& operator=(const Claim&) = delete;
    };

    Claim claim_;
    Netns client_;
    Netns server_;
};

} // namespace fwx::test
