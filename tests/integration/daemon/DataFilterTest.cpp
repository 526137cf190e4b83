// Data filters (issue 12, item 3): a filter written with another D-Bus library (Gio, in
// Python: tests/integration/daemon/data-filter.py) in a second process registers for a TCP
// protocol; fwxd relays nothing of that protocol's connections itself, but hands each one
// over, both sockets as UNIX fds, once its target answered. The filter talks to both ends;
// the action's owner hears Established and Closed ("handed-over"). A filter that fails, or
// that left, ends the connection, and the owner is told why.
#include "ChildProcess.hpp"
#include "ConntrackFixture.hpp"
#include "lab/Command.hpp"
#include "lab/TcpConnect.hpp"
#include "lab/TcpServer.hpp"
#include "lab/WaitUntil.hpp"

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* Guid = "2b7e1d40-5a6c-4e8f-9b0a-c1d2e3f4a5b6";

class DataFilters : public ConntrackFixture {
protected:
    void SetUp() override {
        ConntrackFixture::SetUp();
        client().firewall().RegisterProtocol(Guid,
                                             {{"Name", sdbus::Variant(std::string("uppercase"))},
                                              {"Transport", sdbus::Variant(std::string("tcp"))}});
    }

    // Starts the Python filter and waits until it has registered.
    void startFilter(const std::string& mode) {
        outputFile = bus.directory() + "/data-filter.log";
        ChildOptions options;
        options.outputFile = outputFile;
        filter = std::make_unique<ChildProcess>(
            std::vector<std::string>{DATA_FILTER_PATH, bus.address(), Guid, mode}, options);
        ASSERT_TRUE(waitUntil(
            [&] {
                return output().find("registered") != std::string::npos ||
                       filter->poll().has_value();
            },
            10s, "the data filter's registration"));
        ASSERT_NE(output().find("registered"), std::string::npos) << output();
    }

    std::string output() const {
        std::ifstream file(outputFile);
        std::stringstream text;
        text << file.rdbuf();
        return text.str();
    }

    Redirected redirectOfTheProtocol() {
        RedirectRequest request;
        request.protocolGuid = Guid;
        return client().redirect(client().openSession(),
                                 {ConnectAddress(server.address().address(), server.port())},
                                 request);
    }
    SocketAddress internalOf(const Redirected& redirected) const {
        return {redirected.internalAddress, redirected.basePort};
    }
    std::string closedReason(const sdbus::ObjectPath& action) {
        const auto closed = client().signals().of(action, "Closed");
        return closed.empty() ? "(none)" : field<std::string>(closed.at(0), "Reason");
    }

    TcpServer server{&lab.server(), Lab::serverAddress(Family::V4)};
    std::string outputFile;
    std::unique_ptr<ChildProcess> filter;
};

TEST_F(DataFilters, TheFilterGetsWorkingSocketsToBothEnds) {
    startFilter("upper");
    const Redirected redirected = redirectOfTheProtocol();
    const sdbus::ObjectPath& action = redirected.actions.at(0);
    EXPECT_EQ(client().action(action).Mode(), "user");
    EXPECT_EQ(kernelElements("ports_v4"), 0U);

    const TcpOutcome outcome = tcpConnect(&lab.client(), internalOf(redirected), "hello\n", 5000ms);
    ASSERT_TRUE(outcome.connected()) << outcome << "\nfilter: " << output();
    EXPECT_EQ(outcome.echoed, "HELLO\n") << "the target's answer, through the filter";
    const auto accepted = server.accept(5000ms);
    ASSERT_TRUE(accepted);
    EXPECT_EQ(accepted->data, "HELLO\n") << "what the filter sent the target";
    EXPECT_NE(output().find("connection from " + Lab::clientAddress(Family::V4)), std::string::npos)
        << output();

    ASSERT_TRUE(client().waitForSignal(action, "Established", std::nullopt, 5s));
    ASSERT_TRUE(client().waitForSignal(action, "Closed", std::nullopt, 5s));
    EXPECT_EQ(closedReason(action), "handed-over");
    EXPECT_TRUE(client().waitForSignal(action, "Finished", "consumed,1", 5s));
}

TEST_F(DataFilters, AFailingFilterEndsTheConnectionAndTheOwnerIsTold) {
    startFilter("fail");
    const Redirected redirected = redirectOfTheProtocol();
    const sdbus::ObjectPath& action = redirected.actions.at(0);
    const TcpOutcome outcome = tcpConnect(&lab.client(), internalOf(redirected), "hello\n", 5000ms);
    EXPECT_FALSE(outcome.connected()) << outcome;
    ASSERT_TRUE(client().waitForSignal(action, "Closed", std::nullopt, 5s));
    EXPECT_EQ(closedReason(action), "data-filter-failed");
}

TEST_F(DataFilters, AConnectionWhoseFilterLeftIsReset) {
    startFilter("upper");
    const Redirected redirected = redirectOfTheProtocol();
    const sdbus::ObjectPath& action = redirected.actions.at(0);
    filter->stop(SIGTERM, 5000ms);
    // Once fwxd has seen the filter leave the bus, the protocol's redirects are kernel mode
    // again (until then a call would go to a name that is gone: data-filter-failed).
    ASSERT_TRUE(waitUntil(
        [&] { return client().action(redirectOfTheProtocol().actions.at(0)).Mode() == "kernel"; },
        5s, "the protocol's redirects in kernel mode again"));
    const TcpOutcome outcome = tcpConnect(&lab.client(), internalOf(redirected), "hello\n", 5000ms);
    EXPECT_FALSE(outcome.connected()) << outcome;
    ASSERT_TRUE(client().waitForSignal(action, "Closed", std::nullopt, 5s));
    EXPECT_EQ(closedReason(action), "no-data-filter");
}

TEST_F(DataFilters, AreAnAdministratorsActForTcpProtocolsOnly) {
    const CommandResult asNobody = gdbusCallAsNobody(
        FirewallPath, "org.fwxd.Firewall1.RegisterDataFilter", {Guid, "/org/example/Filter"});
    EXPECT_NE(asNobody.err.find("org.fwxd.Error.AccessDenied"), std::string::npos) << asNobody.err;
    client().firewall().RegisterProtocol("3c8f2e51-6b7d-4f90-8c1b-d2e3f4a5b6c7",
                                         {{"Name", sdbus::Variant(std::string("rtp"))},
                                          {"Transport", sdbus::Variant(std::string("udp"))}});
    EXPECT_TRUE(failsWith(
        [&] {
            client().firewall().RegisterDataFilter("3c8f2e51-6b7d-4f90-8c1b-d2e3f4a5b6c7",
                                                   sdbus::ObjectPath("/org/example/Filter"));
        },
        "org.fwxd.Error.NotSupported"));
    EXPECT_TRUE(failsWith(
        [&] {
            client().firewall().RegisterDataFilter("0badc0de-0000-4000-8000-000000000000",
                                                   sdbus::ObjectPath("/org/example/Filter"));
        },
        "org.fwxd.Error.UnknownProtocol"));
}

} // namespace
} // namespace fwx::test
