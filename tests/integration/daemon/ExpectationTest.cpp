// Redirects backed by conntrack expectations: a primary TCP connection through the
// firewall to an IRC port gets the kernel's irc helper from the protocol fwxd registered,
// the redirects of a session naming that primary become expectations on it
// (`conntrack -L expect`), and their connections arrive RELATED to it.
#include "ConntrackFixture.hpp"
#include "Target.hpp"
#include "lab/Conntrack.hpp"
#include "lab/Nft.hpp"
#include "lab/TcpConnect.hpp"
#include "lab/TcpServer.hpp"
#include "lab/WaitUntil.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;
using net::Transport;

constexpr const char* IrcGuid = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";
constexpr std::uint16_t IrcPort = 6667;
constexpr std::uint16_t PlainPort = 6668;

class Expectations : public ConntrackFixture {
protected:
    void SetUp() override {
        ConntrackFixture::SetUp();
        client().firewall().RegisterProtocol(
            IrcGuid, {{"Name", sdbus::Variant(std::string("IRC"))},
                      {"Transport", sdbus::Variant(std::string("tcp"))},
                      {"PrimaryPorts", sdbus::Variant(std::vector<std::uint16_t>{IrcPort})},
                      {"Helper", sdbus::Variant(std::string("irc"))},
                      {"Servers",
                       sdbus::Variant(std::vector<std::string>{Lab::serverAddress(Family::V4)})}});
    }

    // A primary connection client -> server:port through the firewall, kept open (the
    // server waits for a line that never comes).
    void connectPrimary(std::uint16_t port) {
        primaryServer_ = std::make_unique<TcpServer>(&lab.server(), Lab::serverAddress(Family::V4),
                                                     port, Reply::None);
        TcpConnectOptions options;
        options.expectEcho = false;
        options.keepOpen = true;
        primary_ =
            tcpConnect(&lab.client(), primaryServer_->address(), "NICK fwxd", 3000ms, options);
        ASSERT_TRUE(primary_.connected()) << primary_;
    }
    void closePrimary() { primary_.connection = UniqueFd(); }

    sdbus::ObjectPath openSession() {
        const sdbus::Struct<std::string, std::string, std::uint16_t, std::string, std::uint16_t>
            tuple("tcp", primary_.local->address(), primary_.local->port(),
                  primaryServer_->address().address(), primaryServer_->address().port());
        return client().openSession({{"PrimaryConnection", sdbus::Variant(tuple)}});
    }

    Redirected redirect(std::size_t ports, std::uint32_t flags = 0, Options options = {}) {
        std::vector<ConnectAddress> targets;
        for (std::size_t i = 0; i < ports; ++i) {
            targets_.push_back(std::make_unique<Target>(lab, Family::V4, Transport::Tcp));
            targets.emplace_back(targets_.back()->address().address(),
                                 targets_.back()->address().port());
        }
        RedirectRequest request;
        request.flags = flags;
        request.options = std::move(options);
        return client().redirect(openSession(), targets, request);
    }

    static SocketAddress internalOf(const Redirected& redirected, std::size_t index = 0) {
        return {redirected.internalAddress,
                static_cast<std::uint16_t>(redirected.basePort + index)};
    }
    Client fromClient() const { return Client{&lab.client(), {}, {}}; }
    Target& target(std::size_t index) { return *targets_.at(index); }

    // Expectations conntrack(8) lists for the internal port.
    static std::size_t expectationsFor(const SocketAddress& internal) {
        const std::string port = "dport=" + std::to_string(internal.port()) + " ";
        const auto lines = conntrackList("expect");
        return static_cast<std::size_t>(
            std::count_if(lines.begin(), lines.end(),
                          [&](const auto& l) { return l.find(port) != std::string::npos; }));
    }

private:
    std::unique_ptr<TcpServer> primaryServer_;
    TcpOutcome primary_;
    std::vector<std::unique_ptr<Target>> targets_;
};

TEST_F(Expectations, ThreePortsOnAHelpedPrimaryAdmitRelatedConnectionsOnce) {
    ASSERT_NO_FATAL_FAILURE(connectPrimary(IrcPort));
    const Redirected redirected = redirect(3);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_TRUE(client().action(redirected.actions[i]).Expected()) << i;
        EXPECT_EQ(client().action(redirected.actions[i]).NoExpectationReason(), "") << i;
        EXPECT_EQ(expectationsFor(internalOf(redirected, i)), 1U) << conntrackList("expect")[0];
    }
    // The kernel's expectation is the permission: nft holds no permission element.
    EXPECT_EQ(kernelElements("once_v4") + kernelElements("client_v4"), 0U);
    EXPECT_EQ(kernelElements("dnat_v4"), 3U);

    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_TRUE(target(i).reachedVia(internalOf(redirected, i), fromClient())) << i;
        EXPECT_TRUE(client().waitForSignal(redirected.actions[i], "Established", std::nullopt, 10s))
            << "Established comes from a NEW carrying the primary as master, for port " << i;
        EXPECT_EQ(expectationsFor(internalOf(redirected, i)), 0U) << "used up";
    }
    EXPECT_TRUE(target(0).refusedVia(internalOf(redirected, 0), fromClient()));
}

TEST_F(Expectations, AllowMultipleMakesThemPermanent) {
    ASSERT_NO_FATAL_FAILURE(connectPrimary(IrcPort));
    const Redirected redirected = redirect(1, AllowMultiple);
    EXPECT_TRUE(conntrackList("expect").at(0).find("PERMANENT") != std::string::npos)
        << conntrackList("expect").at(0);
    EXPECT_TRUE(target(0).reachedVia(internalOf(redirected), fromClient()));
    EXPECT_TRUE(target(0).reachedVia(internalOf(redirected), fromClient()));
    EXPECT_EQ(expectationsFor(internalOf(redirected)), 1U);
    ActionProxy& action = client().action(redirected.actions[0]);
    EXPECT_TRUE(waitUntil([&] { return action.Connections() == 2U; }, 10s, "two connections"));
}

TEST_F(Expectations, UnusedExpectationTimesOut) {
    ASSERT_NO_FATAL_FAILURE(connectPrimary(IrcPort));
    const Redirected redirected =
        redirect(1, TimeoutFlag, {{"Timeout", sdbus::Variant(std::uint64_t{1'000'000})}});
    EXPECT_EQ(expectationsFor(internalOf(redirected)), 1U);
    ASSERT_TRUE(client().waitForSignal(redirected.actions[0], "Expired", "timeout", 10s));
    EXPECT_EQ(expectationsFor(internalOf(redirected)), 0U);
    EXPECT_EQ(kernelElements(), 0U);
    EXPECT_TRUE(target(0).refusedVia(internalOf(redirected), fromClient()));
}

TEST_F(Expectations, PendingActionsEndWithTheirPrimary) {
    ASSERT_NO_FATAL_FAILURE(connectPrimary(IrcPort));
    const Redirected redirected = redirect(2);
    closePrimary();
    for (const sdbus::ObjectPath& action : redirected.actions) {
        ASSERT_TRUE(
            reapUntil([&] { return client().received(action, "Expired", "primary-closed") > 0; },
                      30s, "Expired(primary-closed)"));
        EXPECT_TRUE(client().waitForSignal(action, "Finished", "cancelled,0", 5s))
            << "nothing lives through it: it leaves the bus";
    }
    EXPECT_TRUE(conntrackList("expect").empty());
    EXPECT_EQ(kernelElements("ports_v4"), 0U);
}

// Issue 11, item 5: a primary without a helper backs no expectation, but fwxd follows
// its conntrack entry all the same (the kernel-side event filter takes the primary's
// server), and its end ends the session's open permissions; a used one goes on.
TEST_F(Expectations, EveryOpenPermissionEndsWithItsPrimaryHelperOrNot) {
    ASSERT_NO_FATAL_FAILURE(connectPrimary(PlainPort));
    const Redirected redirected = redirect(2);
    ASSERT_FALSE(client().action(redirected.actions[0]).Expected());
    ASSERT_TRUE(target(0).reachedVia(internalOf(redirected), fromClient()));
    closePrimary();
    ASSERT_TRUE(client().waitForSignal(redirected.actions[1], "Expired", "primary-closed", 10s))
        << "the primary's end was not seen";
    EXPECT_TRUE(client().waitForSignal(redirected.actions[1], "Finished", "cancelled,0", 5s));
    client().sync();
    EXPECT_EQ(client().received(redirected.actions[0], "Expired"), 0U)
        << "the used permission had nothing left to end";
    EXPECT_TRUE(client().waitForSignal(redirected.actions[0], "Finished", "consumed,1", 5s));
    EXPECT_EQ(kernelElements("ports_v4"), 0U) << "both ports went: one used, one ended";
}

// Issue 11, item 6: the kernel used the expectation, then a rule after fwxd's dropped the
// connection's first packet, so conntrack never confirms a connection. The permission is
// spent: the action is consumed with no connection, and after UnconfirmedGrace (2 s) it
// finishes and its port goes back instead of staying held until the session ends.
TEST_F(Expectations, ASpentPermissionWhoseConnectionNeverShowsGivesItsPortBack) {
    ASSERT_NO_FATAL_FAILURE(connectPrimary(IrcPort));
    const Redirected redirected = redirect(1);
    ASSERT_TRUE(client().action(redirected.actions[0]).Expected());
    const std::uint16_t targetPort = target(0).address().port();
    nftApply(fmt::format(R"(
table inet fwxd_test_drop {{
    chain forward {{
        type filter hook forward priority 10;
        tcp dport {} counter drop
    }}
}}
)",
                         targetPort));
    struct DropTable {
        ~DropTable() { nftApply("delete table inet fwxd_test_drop"); }
    } dropTable;

    TcpConnectOptions options;
    options.expectEcho = false;
    const TcpOutcome attempt =
        tcpConnect(&lab.client(), internalOf(redirected), "PING", 1500ms, options);
    EXPECT_FALSE(attempt.connected()) << "the drop rule let the first packet through";
    ASSERT_TRUE(client().waitForSignal(redirected.actions[0], "Finished", "consumed,0", 10s))
        << "a spent permission without a connection held its port";
    client().sync();
    EXPECT_EQ(client().received(redirected.actions[0], "Established"), 0U);
    EXPECT_EQ(client().received(redirected.actions[0], "Expired"), 0U)
        << "nothing expired: the kernel used the permission";
    EXPECT_EQ(expectationsFor(internalOf(redirected)), 0U);
    EXPECT_EQ(kernelElements("ports_v4"), 0U) << "its port went back";
    EXPECT_EQ(client().firewall().ActiveRedirects(), 0U);
}

TEST_F(Expectations, RequireExpectationNamesWhyNot) {
    ASSERT_NO_FATAL_FAILURE(connectPrimary(PlainPort));
    Options require{{"RequireExpectation", sdbus::Variant(true)}};
    try {
        redirect(1, 0, require);
        ADD_FAILURE() << "RequireExpectation on a primary without helper succeeded";
    } catch (const sdbus::Error& e) {
        EXPECT_EQ(e.getName(), "org.fwxd.Error.NotSupported");
        EXPECT_NE(e.getMessage().find("has no conntrack helper"), std::string::npos)
            << e.getMessage();
    }
    EXPECT_EQ(kernelElements(), 0U);
    EXPECT_TRUE(conntrackList("expect").empty());

    // Without the requirement the redirect falls back to nft permissions, and says why.
    const Redirected redirected = redirect(1);
    EXPECT_FALSE(client().action(redirected.actions[0]).Expected());
    const std::string reason = client().action(redirected.actions[0]).NoExpectationReason();
    EXPECT_NE(reason.find("has no conntrack helper"), std::string::npos) << reason;
    EXPECT_TRUE(target(1).reachedVia(internalOf(redirected), fromClient()));
}

// A registered helper reached every forwarded connection to its ports, whoever the
// server (issue 10, item 3): a primary to a server the registration does not name gets no
// helper, and so no expectation-backed redirects.
TEST_F(Expectations, AHelperReachesOnlyTheServersItsRegistrationNames) {
    client().firewall().RegisterProtocol(
        "6ba7b812-9dad-11d1-80b4-00c04fd430c8",
        {{"Name", sdbus::Variant(std::string("IRC elsewhere"))},
         {"Transport", sdbus::Variant(std::string("tcp"))},
         {"PrimaryPorts", sdbus::Variant(std::vector<std::uint16_t>{PlainPort})},
         {"Helper", sdbus::Variant(std::string("irc"))},
         {"Servers", sdbus::Variant(std::vector<std::string>{"198.51.100.99", "2001:db8::/96"})}});
    ASSERT_NO_FATAL_FAILURE(connectPrimary(PlainPort));
    const auto entries = conntrackList("-p", "tcp", "--dport", std::to_string(PlainPort));
    ASSERT_EQ(entries.size(), 1U);
    EXPECT_EQ(entries.front().find("helper="), std::string::npos) << entries.front();
    const Redirected redirected = redirect(1);
    EXPECT_FALSE(client().action(redirected.actions[0]).Expected());
    EXPECT_NE(client()
                  .action(redirected.actions[0])
                  .NoExpectationReason()
                  .find("has no conntrack helper"),
              std::string::npos);
}

} // namespace
} // namespace fwx::test
