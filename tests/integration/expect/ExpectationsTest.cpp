// conntrack::Expectations against the kernel: expectations hung on a primary connection
// through the lab firewall that has a helper (nft::Engine::addHelper), admitting
// connections that nft::Engine's expected redirects DNAT to a target in the server
// namespace. Witnessed by packets and conntrack(8).
#include "conntrack/Expectations.hpp"

#include "LabPrimary.hpp"
#include "Target.hpp"
#include "error/Error.hpp"
#include "lab/Conntrack.hpp"
#include "lab/WaitUntil.hpp"
#include "net/Prefix.hpp"
#include "nft/Engine.hpp"

#include <algorithm>
#include <cerrno>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;
using redirect::Expectation;

constexpr std::uint16_t FirstPort = 41000;
constexpr auto OurTimeout = 60s;

// A kernel helper that takes expectations, on the port of its protocol.
struct HelperCase {
    Family family;
    const char* helper;
    std::uint16_t port;
};

void PrintTo(const HelperCase& c, std::ostream* out) {
    *out << familyName(c.family) << " " << c.helper << " on tcp/" << c.port;
}

std::string caseName(const ::testing::TestParamInfo<HelperCase>& info) {
    std::string helper = info.param.helper;
    std::replace(helper.begin(), helper.end(), '.', '_');
    return std::string(familyName(info.param.family)) + "_" + helper;
}

class Expectations : public ::testing::TestWithParam<HelperCase> {
protected:
    // The helper first: the kernel attaches it when conntrack sees the primary's first
    // packet, never later.
    Expectations() {
        engine.addHelper({"proxy",
                          GetParam().helper,
                          net::Transport::Tcp,
                          {GetParam().port},
                          {net::Prefix::parse(Lab::serverAddress(family()))}});
        primaryConnection.emplace(lab, family(), GetParam().port);
    }

    Family family() const { return GetParam().family; }
    Client client() const { return Client{&lab.client(), {}, {}}; }
    const redirect::PrimaryConnection& primary() const { return primaryConnection->connection(); }

    net::Endpoint internal(std::size_t index) const {
        return net::Endpoint{net::Address::parse(Lab::internalAddress(family())),
                             static_cast<std::uint16_t>(FirstPort + index)};
    }
    static SocketAddress socketAddress(const net::Endpoint& endpoint) {
        return SocketAddress(endpoint.address.toString(), endpoint.port);
    }

    // count expected redirects to the target, programmed in nft, and their expectations.
    std::vector<Expectation> expectations(std::size_t count, bool permanent = false) {
        redirect::RedirectGroup group{1, {}};
        std::vector<Expectation> result;
        const SocketAddress to = target.address();
        for (std::size_t i = 0; i < count; ++i) {
            redirect::Redirect r;
            r.internal = internal(i);
            r.target = net::Endpoint{net::Address::parse(to.address()), to.port()};
            r.allowedSource = net::Prefix::host(primary().client.address);
            r.singleUse = !permanent;
            r.expected = true;
            group.redirects.push_back(r);
            result.push_back(Expectation{primary(),
                                         net::Transport::Tcp,
                                         r.allowedSource,
                                         r.internal,
                                         permanent,
                                         OurTimeout,
                                         {}});
        }
        engine.addGroup(group);
        return result;
    }

    // `conntrack -L expect` lines of the expectation to port (conntrack(8) lists IPv4
    // expectations unless told otherwise).
    std::vector<std::string> listedExpectations(std::uint16_t port) const {
        auto lines = conntrackList("expect", "-f", family() == Family::V4 ? "ipv4" : "ipv6");
        std::erase_if(lines, [&](const std::string& line) {
            return line.find("dport=" + std::to_string(port) + " ") == std::string::npos;
        });
        return lines;
    }

    bool hasExpectation(std::uint16_t port) {
        const auto present = backend.list(primary());
        return std::any_of(present.begin(), present.end(),
                           [&](const Expectation& e) { return e.destination.port == port; });
    }

    Lab lab;
    nft::Engine engine;
    conntrack::Expectations backend;
    Target target{lab, family(), net::Transport::Tcp};
    std::optional<LabPrimary> primaryConnection;
};

TEST_P(Expectations, HelperOfThePrimaryIsTheAssignedOne) {
    EXPECT_EQ(backend.helperOf(primary()), std::optional<std::string>(GetParam().helper));
}

TEST_P(Expectations, CreatedWithOurTimeoutNotTheHelpers) {
    const auto wanted = expectations(3);
    backend.create(wanted);
    const auto present = backend.list(primary());
    ASSERT_EQ(present.size(), 3U);
    for (const Expectation& e : present) {
        EXPECT_TRUE(std::any_of(wanted.begin(), wanted.end(),
                                [&](const Expectation& w) { return w.sameAs(e); }));
        EXPECT_LE(e.timeout, OurTimeout);
        EXPECT_GE(e.timeout, OurTimeout - 5s);
        EXPECT_EQ(e.helper, GetParam().helper);
        EXPECT_FALSE(e.permanent);
    }
    for (std::size_t i = 0; i < 3; ++i) {
        const auto lines = listedExpectations(internal(i).port);
        ASSERT_EQ(lines.size(), 1U) << "conntrack -L expect, port " << internal(i).port;
        // conntrack(8) starts each line with the time left.
        const int timeLeft = std::stoi(lines.front());
        EXPECT_LE(timeLeft, 60) << lines.front();
        EXPECT_GE(timeLeft, 55) << lines.front();
    }
}

TEST_P(Expectations, SingleUseAdmitsOneRelatedConnection) {
    const auto wanted = expectations(3);
    backend.create(wanted);
    const SocketAddress port = socketAddress(internal(0));
    std::optional<SocketAddress> seenAs;
    ASSERT_TRUE(target.reachedVia(port, client(), &seenAs));
    // The secondary connection came from the expectation: conntrack marks it EXPECTED.
    const auto related = conntrackList("-p", "tcp", "--status", "EXPECTED", "--dport",
                                       std::to_string(internal(0).port));
    ASSERT_EQ(related.size(), 1U) << "conntrack entries of the secondary connection";
    EXPECT_NE(related.front().find("sport=" + std::to_string(seenAs->port())), std::string::npos)
        << related.front();
    EXPECT_FALSE(hasExpectation(internal(0).port)) << "a used expectation is gone";
    EXPECT_TRUE(listedExpectations(internal(0).port).empty());
    EXPECT_TRUE(target.refusedVia(port, client()));
    EXPECT_TRUE(hasExpectation(internal(1).port)) << "the others are untouched";
    // Removing used and unused ones alike is no error.
    EXPECT_NO_THROW(backend.remove(wanted));
    EXPECT_TRUE(backend.list(primary()).empty());
}

TEST_P(Expectations, PermanentAdmitsManyAndStays) {
    const auto wanted = expectations(1, true);
    backend.create(wanted);
    const SocketAddress port = socketAddress(internal(0));
    EXPECT_TRUE(target.reachedVia(port, client()));
    EXPECT_TRUE(target.reachedVia(port, client()));
    const auto present = backend.list(primary());
    ASSERT_EQ(present.size(), 1U);
    EXPECT_TRUE(present.front().permanent);
    EXPECT_EQ(conntrackList("-p", "tcp", "--status", "EXPECTED", "--dport",
                            std::to_string(internal(0).port))
                  .size(),
              2U);
    backend.remove(wanted);
    EXPECT_TRUE(backend.list(primary()).empty());
    EXPECT_TRUE(target.refusedVia(port, client()));
}

TEST_P(Expectations, ConnectionsWithoutExpectationAreRefused) {
    expectations(1);
    EXPECT_TRUE(target.refusedVia(socketAddress(internal(0)), client()));
}

INSTANTIATE_TEST_SUITE_P(Helpers, Expectations,
                         ::testing::Values(HelperCase{Family::V4, "irc", 6667},
                                           HelperCase{Family::V6, "Q.931", 1720}),
                         caseName);

// Cases of the irc helper (IPv4, at most 8 expectations per master).
class IrcExpectations : public Expectations {};

TEST_P(IrcExpectations, OverTheHelpersLimitNothingIsLeft) {
    const auto wanted = expectations(9);
    try {
        backend.create(wanted);
        FAIL() << "9 expectations on an irc master were reported created";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Failed);
        EXPECT_NE(std::string(e.what()).find("203.0.113.1:41000"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(backend.list(primary()).empty());
    EXPECT_TRUE(listedExpectations(FirstPort).empty());
    EXPECT_TRUE(conntrackList("expect").empty());
}

TEST_P(IrcExpectations, PrimaryWithoutHelperIsRefusedWithEopnotsupp) {
    const LabPrimary unhelped(lab, Family::V4, 6668);
    EXPECT_EQ(backend.helperOf(unhelped.connection()), std::optional<std::string>(""));
    Expectation e{unhelped.connection(),
                  net::Transport::Tcp,
                  net::Prefix::host(unhelped.connection().client.address),
                  internal(0),
                  false,
                  OurTimeout,
                  {}};
    try {
        backend.create({e});
        FAIL() << "an expectation on a master without helper was created";
    } catch (const Error& error) {
        EXPECT_EQ(error.errnum(), EOPNOTSUPP) << error.what();
        const std::string what = error.what();
        EXPECT_NE(what.find("tcp 192.0.2.2 -> 203.0.113.1:41000 on primary tcp 192.0.2.2:"),
                  std::string::npos)
            << what;
        EXPECT_NE(what.find("no conntrack helper"), std::string::npos) << what;
    }
}

TEST_P(IrcExpectations, MissingPrimaryHasNoHelper) {
    redirect::PrimaryConnection missing = primary();
    missing.client.port = static_cast<std::uint16_t>(missing.client.port + 1);
    EXPECT_EQ(backend.helperOf(missing), std::nullopt);
}

TEST_P(IrcExpectations, SourcePrefixAdmitsItsClients) {
    auto wanted = expectations(1);
    wanted.front().source = net::Prefix::parse("192.0.2.0/24");
    backend.create(wanted);
    const auto present = backend.list(primary());
    ASSERT_EQ(present.size(), 1U);
    EXPECT_EQ(present.front().source, net::Prefix::parse("192.0.2.0/24"));
    EXPECT_TRUE(target.reachedVia(socketAddress(internal(0)), client()));
}

INSTANTIATE_TEST_SUITE_P(Irc, IrcExpectations,
                         ::testing::Values(HelperCase{Family::V4, "irc", 6667}), caseName);

} // namespace
} // namespace fwx::test
