// A single-use permission is used up by a connection's first SYN (its limit object's one
// token). If the SYN-ACK is lost, the client retransmits its SYN, which is still
// `ct state new` — yet it must reach the target, or a lossy link would break every
// redirected connection. It does: conntrack already bound the connection to its DNAT
// (ct status dnat), so the nat chains, and the spent limit, never see the retransmission.
#include "Firewall.hpp"
#include "Target.hpp"
#include "lab/FamilyParam.hpp"
#include "lab/Nft.hpp"
#include "lab/TcpConnect.hpp"
#include "lab/WaitUntil.hpp"

#include <future>

#include <gtest/gtest.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;

// In the server namespace: counts incoming SYNs and drops outgoing SYN-ACKs.
constexpr const char* LossyServer = R"(
table inet lossy {
    chain in {
        type filter hook input priority 0;
        tcp flags & (syn | ack) == syn counter
    }
    chain out {
        type filter hook output priority 0;
        tcp flags & (syn | ack) == syn | ack counter drop
    }
}
)";

std::uint64_t synsReceived(const Lab& lab) {
    const auto listing = lab.server().run([] { return nftJson("chain", "inet", "lossy", "in"); });
    for (const auto& item : listing.at("nftables")) {
        if (item.contains("rule")) {
            for (const auto& statement : item["rule"].at("expr")) {
                if (statement.contains("counter")) {
                    return statement["counter"].at("packets").get<std::uint64_t>();
                }
            }
        }
    }
    throw std::runtime_error("no counter in chain inet lossy in");
}

class Retransmit : public ::testing::TestWithParam<Family> {
protected:
    Lab lab;
    Firewall firewall;
};

TEST_P(Retransmit, RetransmittedSynOfAnAdmittedConnectionPasses) {
    const Family family = GetParam();
    Target target(lab, family, net::Transport::Tcp);
    const auto& group = firewall.open(Firewall::requestTo({target.address()}, net::Transport::Tcp));
    const SocketAddress internal = Firewall::internalOf(group);
    lab.server().run([] { nftApply(LossyServer); });

    auto connecting = std::async(
        std::launch::async, [&] { return tcpConnect(&lab.client(), internal, "hello\n", 15s); });
    // Two SYNs at the target: the retransmission came through after the permission was gone.
    EXPECT_TRUE(waitUntil([&] { return synsReceived(lab) >= 2; }, 8s,
                          "the retransmitted SYN to reach the target"));
    lab.server().run([] { nftApply("delete table inet lossy"); });
    const TcpOutcome outcome = connecting.get();
    EXPECT_TRUE(outcome.connected()) << outcome;
    // The permission was used once, by the first SYN: a new connection is refused.
    EXPECT_TRUE(target.refusedVia(internal, Client{&lab.client(), {}, {}}));
}

INSTANTIATE_TEST_SUITE_P(Families, Retransmit, bothFamilies(), FamilyParamName());

} // namespace
} // namespace fwx::test
