// fwx-demo: what fwxd does, shown on a lab of network namespaces.
//
// client 192.0.2.2 — firewall (this process) — server 198.51.100.2, IPv4 and IPv6. The
// firewall opens redirects through libfwx exactly as the daemon will, real connections go
// through them, and the kernel state is shown the way an admin sees it.
#include "Firewall.hpp"
#include "error/Error.hpp"
#include "lab/Command.hpp"
#include "lab/FirewallNetns.hpp"
#include "lab/TcpConnect.hpp"
#include "lab/TcpServer.hpp"
#include "lab/UdpClient.hpp"
#include "lab/UdpServer.hpp"
#include "redirect/Redirect.hpp"

#include <chrono>
#include <cstdlib>
#include <iostream>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;

void step(const std::string& text) {
    std::cout << "\n==> " << text << "\n";
}

void show(const std::vector<std::string>& argv) {
    std::cout << "$ " << commandLine(argv) << "\n" << run(argv).out;
}

std::string describeGroup(const redirect::RedirectGroup& group) {
    std::string text = redirect::describe(group) + "\n";
    for (const auto& r : group.redirects) {
        text += "    " + r.internal.toString() + " -> " + r.target.toString();
        if (r.snatSource) {
            text += " (from " + r.snatSource->toString() + ")";
        }
        text += r.singleUse ? ", single use" : ", any number of connections";
        text += "\n";
    }
    return text;
}

void tcpAttempt(const Lab& lab, TcpServer& server, const SocketAddress& to) {
    const TcpOutcome outcome = tcpConnect(&lab.client(), to, "hello\n", 3s);
    std::cout << "client " << Lab::clientAddress(Family::V4) << " -> " << to << ": " << outcome;
    if (const auto accepted = outcome.connected() ? server.accept(3s) : std::nullopt) {
        std::cout << "; the server saw " << accepted->peer << " and echoed the line";
    }
    std::cout << "\n";
}

void demoTcp(const Lab& lab, Firewall& firewall) {
    TcpServer server(&lab.server(), Lab::serverAddress(Family::V4), 8080);
    step("An FTP-style proxy asks for 3 single-use TCP redirects to " +
         server.address().toString() + " and neighbours, from the proxy address " +
         Lab::proxyAddress(Family::V4) + ", unused ones expiring after 30 s");
    redirect::Request request =
        Firewall::requestTo({server.address(), SocketAddress(Lab::serverAddress(Family::V4), 8081),
                             SocketAddress(Lab::serverAddress(Family::V4), 8082)},
                            net::Transport::Tcp);
    request.proxyExternalAddress = net::Address::parse(Lab::proxyAddress(Family::V4));
    request.flags = redirect::flags::Timeout;
    request.timeout = 30s;
    const auto& group = firewall.open(request);
    std::cout << describeGroup(group);

    step("What an admin sees: the whole group went in as one nftables transaction");
    show({"nft", "list", "table", "inet", "fwxd"});

    step("The client connects to the first port: DNAT to the server, SNAT to the proxy address");
    tcpAttempt(lab, server, Firewall::internalOf(group));
    step("The client connects again: the permission was single use, the kernel resets it");
    tcpAttempt(lab, server, Firewall::internalOf(group));
    show({"nft", "list", "set", "inet", "fwxd", "once_v4"});

    step("The proxy closes the redirect: every element goes, in one transaction");
    firewall.service().close(group.id);
    show({"nft", "list", "set", "inet", "fwxd", "ports_v4"});
}

void demoUdp6(const Lab& lab, Firewall& firewall) {
    UdpServer server(&lab.server(), Lab::serverAddress(Family::V6), 5004);
    step("A media relay asks for an IPv6 UDP redirect to " + server.address().toString() +
         " that any number of flows may use");
    redirect::Request request = Firewall::requestTo({server.address()}, net::Transport::Udp);
    request.flags = redirect::flags::AllowMultiple;
    const auto& group = firewall.open(request);
    std::cout << describeGroup(group);
    for (int flow = 1; flow <= 2; ++flow) {
        UdpClient client(&lab.client(), Family::V6);
        client.send(Firewall::internalOf(group), "rtp");
        const auto datagram = server.receive(3s);
        std::cout << "flow " << flow << " from " << client.localAddress() << ": "
                  << (datagram ? "the server got it from " + datagram->peer.toString()
                               : std::string("nothing arrived"))
                  << "\n";
    }
    firewall.service().close(group.id);
}

int runDemo() {
    enterFirewallNetns();
    Lab lab;
    Firewall firewall;
    std::cout << "Lab: client " << Lab::clientAddress(Family::V4) << " / "
              << Lab::clientAddress(Family::V6) << " -- firewall (internal "
              << Lab::internalAddress(Family::V4) << " / " << Lab::internalAddress(Family::V6)
              << ") -- server " << Lab::serverAddress(Family::V4) << " / "
              << Lab::serverAddress(Family::V6) << "\n";
    demoTcp(lab, firewall);
    demoUdp6(lab, firewall);
    std::cout << "\nDone: the lab's namespaces are removed; the owned table goes with this "
                 "process.\n";
    return EXIT_SUCCESS;
}

} // namespace
} // namespace fwx::test

int main() {
    try {
        return fwx::test::runDemo();
    } catch (const std::exception& e) {
        std::cerr << "fwx-demo: " << e.what() << "\n";
        return EXIT_FAILURE;
    }
}
