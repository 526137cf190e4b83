// What the engine leaves in the kernel, observed through nft(8) and nf_tables
// notifications: transactions, ownership, cleanup.
#include "Firewall.hpp"
#include "NftMonitor.hpp"
#include "Target.hpp"
#include "error/Error.hpp"
#include "lab/Command.hpp"
#include "lab/Nft.hpp"
#include "lab/TcpConnect.hpp"
#include "lab/WaitUntil.hpp"

#include <csignal>
#include <future>
#include <system_error>

#include <gtest/gtest.h>
#include <linux/netfilter/nf_tables.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;
using net::Transport;

class Engine : public ::testing::Test {
protected:
    Lab lab;
};

redirect::Request sixtyFourPorts() {
    std::vector<SocketAddress> targets;
    for (std::uint16_t i = 0; i < 64; ++i) {
        targets.emplace_back(Lab::serverAddress(Family::V4), static_cast<std::uint16_t>(8000 + i));
    }
    redirect::Request request = Firewall::requestTo(targets, Transport::Tcp);
    request.proxyExternalAddress = net::Address::parse(Lab::proxyAddress(Family::V4));
    request.flags = redirect::flags::Timeout;
    return request;
}

TEST_F(Engine, GroupOf64PortsIsOneTransactionEachWay) {
    Firewall firewall;
    NftMonitor monitor;
    const auto& group = firewall.open(sixtyFourPorts());
    const NftMonitor::Counts added = monitor.drain();
    EXPECT_EQ(added.transactions, 1U);
    EXPECT_EQ(added.elementsAdded, 6U * 64U); // ports, dnat, once, once_limits, open, snat
    for (const char* set :
         {"ports_v4", "dnat_v4", "once_v4", "once_limits_v4", "open_v4", "snat_v4"}) {
        EXPECT_EQ(nftElements(set).size(), 64U) << set;
    }
    EXPECT_EQ(nftObjects(NFT_OBJECT_LIMIT).size(), 64U);

    firewall.close(group.id);
    const NftMonitor::Counts removed = monitor.drain();
    EXPECT_EQ(removed.transactions, 1U);
    EXPECT_EQ(removed.elementsRemoved, 6U * 64U);
    EXPECT_EQ(nftElementCount(), 0U);
    EXPECT_TRUE(nftObjects(NFT_OBJECT_LIMIT).empty());
}

TEST_F(Engine, ClosingEveryKindOfRedirectLeavesNoTrace) {
    Firewall firewall;
    Target target(lab, Family::V6, Transport::Udp);
    redirect::Request used = Firewall::requestTo({target.address()}, Transport::Udp);
    used.proxyExternalAddress = net::Address::parse(Lab::proxyAddress(Family::V6));
    const auto usedId = firewall.open(used).id;
    ASSERT_TRUE(target.reachedVia(Firewall::internalOf(*firewall.find(usedId)),
                                  Client{&lab.client(), {}, {}}));
    redirect::Request multi = Firewall::requestTo({target.address()}, Transport::Tcp);
    multi.flags = redirect::flags::AllowMultiple | redirect::flags::Timeout;
    multi.allowedSource = net::Prefix::parse("2001:db8:c::/64");
    const auto multiId = firewall.open(multi).id;
    const auto v4Id = firewall.open(sixtyFourPorts()).id;
    ASSERT_GT(nftElementCount(), 0U);

    for (const auto id : {usedId, multiId, v4Id}) {
        firewall.close(id);
    }
    EXPECT_EQ(nftElementCount(), 0U) << run({"nft", "list", "table", "inet", "fwxd"}).out;
    EXPECT_TRUE(nftObjects(NFT_OBJECT_LIMIT).empty());
}

// A group whose last port collides with one the kernel already has: the kernel refuses the
// batch, and none of the group's other elements may remain.
TEST_F(Engine, RejectedBatchLeavesNothingBehind) {
    nft::Engine engine;
    const auto redirectOn = [](std::uint16_t port) {
        redirect::Redirect r;
        r.internal = net::Endpoint::parse("203.0.113.1:" + std::to_string(port));
        r.target = net::Endpoint::parse("198.51.100.2:80");
        r.allowedSource = net::Prefix::any(net::Family::V4);
        return r;
    };
    engine.addGroup(redirect::RedirectGroup{1, {redirectOn(41005)}});
    const redirect::RedirectGroup clashing{
        2, {redirectOn(41002), redirectOn(41003), redirectOn(41004), redirectOn(41005)}};
    try {
        engine.addGroup(clashing);
        FAIL() << "the kernel accepted a duplicate element";
    } catch (const Error& e) {
        EXPECT_EQ(e.errnum(), EEXIST);
        EXPECT_NE(std::string(e.what()).find("ports_v4"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("group 2"), std::string::npos) << e.what();
    }
    EXPECT_EQ(nftElements("ports_v4").size(), 1U);
    EXPECT_EQ(nftElementCount(), 5U); // group 1 alone: ports, dnat, once, once_limits, open
    EXPECT_EQ(nftObjects(NFT_OBJECT_LIMIT), std::vector<std::string>{"once-203.0.113.1-tcp-41005"});
}

TEST_F(Engine, TableIsOwnedByTheEngineAndReadableByAdmins) {
    nft::Engine engine;
    const CommandResult listing = run({"nft", "list", "table", "inet", "fwxd"});
    EXPECT_NE(listing.out.find("flags owner"), std::string::npos) << listing.out;
    const CommandResult change = tryRun(
        {"nft", "add", "element", "inet", "fwxd", "ports_v4", "{ 203.0.113.1 . tcp . 41000 }"});
    EXPECT_NE(change.exitStatus, 0);
    EXPECT_NE(change.err.find("Operation not permitted"), std::string::npos) << change.err;
    EXPECT_THROW(nft::Engine second, Error);
}

// What an admin sees of a single-use permission in `nft list table inet fwxd`: the
// permission (with its timeout) in once_v4, the port's limit object and the map to it.
TEST_F(Engine, TableShowsSingleUsePermissionsAndTheirLimits) {
    nft::Engine engine;
    redirect::Redirect r;
    r.internal = net::Endpoint::parse("203.0.113.1:41000");
    r.target = net::Endpoint::parse("198.51.100.2:8080");
    r.permissionTimeout = std::chrono::milliseconds(30000);
    r.allowedSource = net::Prefix::any(net::Family::V4);
    engine.addGroup(redirect::RedirectGroup{1, {r}});
    const std::string table = run({"nft", "list", "table", "inet", "fwxd"}).out;
    const std::string permitRule = "ip daddr . meta l4proto . th dport @once_v4 limit name "
                                   "ip daddr . meta l4proto . th dport map @once_limits_v4 "
                                   "dnat ip to";
    const std::vector<std::string> shown{"limit once-203.0.113.1-tcp-41000 {",
                                         "burst 1 packets",
                                         "type ipv4_addr . inet_proto . inet_service : limit",
                                         "203.0.113.1 . tcp . 41000 timeout 30s",
                                         ": \"once-203.0.113.1-tcp-41000\"",
                                         permitRule};
    for (const std::string& expected : shown) {
        EXPECT_NE(table.find(expected), std::string::npos) << expected << "\n" << table;
    }
}

// A child process that programs a group, then waits to be killed.
class TableHolder {
public:
    TableHolder() {
        int ready[2];
        if (pipe(ready) != 0) {
            throw std::system_error(errno, std::generic_category(), "pipe");
        }
        pid_ = fork();
        if (pid_ == 0) {
            close(ready[0]);
            holdTable(ready[1]);
        }
        close(ready[1]);
        char ok = 0;
        const bool programmed = read(ready[0], &ok, 1) == 1;
        close(ready[0]);
        if (pid_ < 0 || !programmed) {
            throw std::runtime_error("the child could not program its table");
        }
    }
    ~TableHolder() { kill(SIGKILL); }
    TableHolder(const TableHolder&) = delete;
    TableHolder& operator=(const TableHolder&) = delete;

    void kill(int signal) {
        if (pid_ > 0) {
            ::kill(pid_, signal);
            waitpid(pid_, nullptr, 0);
            pid_ = -1;
        }
    }

private:
    [[noreturn]] static void holdTable(int ready) {
        try {
            nft::Engine engine;
            redirect::Redirect r;
            r.internal = net::Endpoint::parse("203.0.113.1:41000");
            r.target = net::Endpoint::parse("198.51.100.2:80");
            r.allowedSource = net::Prefix::any(net::Family::V4);
            engine.addGroup(redirect::RedirectGroup{1, {r}});
            const char ok = 'k';
            if (write(ready, &ok, 1) == 1) {
                pause();
            }
        } catch (...) {
        }
        _exit(1);
    }

    pid_t pid_ = -1;
};

TEST_F(Engine, TableGoesAwayWhenItsProcessIsKilled) {
    TableHolder holder;
    EXPECT_EQ(nftElements("ports_v4").size(), 1U);
    holder.kill(SIGKILL);
    EXPECT_TRUE(waitUntil(
        [] {
            return run({"nft", "list", "tables"}).out.find("fwxd") == std::string::npos;
        },
        5s, "the kernel to delete the dead process's table"));
}

TEST_F(Engine, PortsBoundByLocalSocketsAreNotAllocated) {
    Firewall firewall(redirect::PortRange(41000, 41001));
    TcpServer squatter(nullptr, Lab::internalAddress(Family::V4), 41000);
    const auto& group = firewall.open(
        Firewall::requestTo({SocketAddress(Lab::serverAddress(Family::V4), 80)}, Transport::Tcp));
    EXPECT_EQ(group.redirects.front().internal.port, 41001);
    try {
        firewall.open(Firewall::requestTo({SocketAddress(Lab::serverAddress(Family::V4), 81)},
                                          Transport::Tcp));
        FAIL() << "a third port was allocated from a range of two";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::PortsExhausted) << e.what();
    }
}

// fwxd's chains accept nothing: a drop in an admin's own base chain still wins.
TEST_F(Engine, AdminDropInAnotherTableStillWins) {
    Firewall firewall;
    Target target(lab, Family::V4, Transport::Tcp);
    redirect::Request request = Firewall::requestTo({target.address()}, Transport::Tcp);
    request.flags = redirect::flags::AllowMultiple;
    const auto& group = firewall.open(request);
    nftApply("table inet admin {\n chain forward {\n type filter hook forward priority 0;\n"
             " ip daddr " +
             Lab::serverAddress(Family::V4) + " counter drop\n }\n}\n");
    const auto dropped = [] {
        const auto listing = nftJson("chain", "inet", "admin", "forward");
        for (const auto& item : listing.at("nftables")) {
            if (item.contains("rule")) {
                for (const auto& statement : item["rule"].at("expr")) {
                    if (statement.contains("counter")) {
                        return statement["counter"].at("packets").get<std::uint64_t>();
                    }
                }
            }
        }
        return std::uint64_t{0};
    };
    auto connecting = std::async(std::launch::async, [&] {
        return tcpConnect(&lab.client(), Firewall::internalOf(group), "hello\n", 15s);
    });
    // The DNATed SYN reached the admin's forward chain and was dropped there.
    ASSERT_TRUE(waitUntil([&] { return dropped() >= 1; }, 5s, "the admin's rule to drop the SYN"));
    nftApply("delete table inet admin");
    // The client's retransmitted SYN gets through once the admin's drop is gone.
    const TcpOutcome outcome = connecting.get();
    EXPECT_TRUE(outcome.connected()) << outcome;
}

} // namespace
} // namespace fwx::test
