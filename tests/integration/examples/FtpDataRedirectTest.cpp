// docs/examples/ftp-data-redirect.py, the client example for proxy authors, run against the
// real fwxd of this build in the lab, with a real connection through the redirect it asks
// for: an example that no longer matches the API fails here, not in a reader's hands.
#include "ChildProcess.hpp"
#include "ConntrackFixture.hpp"
#include "Target.hpp"
#include "lab/Command.hpp"
#include "lab/WaitUntil.hpp"
#include "net/Transport.hpp"

#include <chrono>
#include <csignal>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;

// The FTP control connection the example is told about: the lab's client to port 21 of
// the lab's server. Nothing listens there; fwxd only needs the tuple (the redirect admits
// this client).
constexpr const char* ControlClientPort = ":40000";
constexpr const char* ControlServerPort = ":21";

class FtpDataRedirectExample : public ConntrackFixture {
protected:
    // Starts the example as a proxy would run it, on the test's private bus; what it prints
    // goes to a file of the test.
    void start(const std::vector<std::string>& options = {}) {
        std::vector<std::string> argv{EXAMPLE_PATH, "--bus", bus.address()};
        argv.insert(argv.end(), options.begin(), options.end());
        argv.push_back(Lab::clientAddress(Family::V4) + ControlClientPort);
        argv.push_back(Lab::serverAddress(Family::V4) + ControlServerPort);
        argv.push_back(server.address().toString());
        ChildOptions childOptions;
        childOptions.outputFile = outputFile;
        example = std::make_unique<ChildProcess>(argv, childOptions);
    }

    std::string output() const {
        std::ifstream file(outputFile);
        std::stringstream text;
        text << file.rdbuf();
        return text.str();
    }

    // The first line that starts with prefix, or "".
    std::string line(const std::string& prefix) const {
        for (const std::string& text : splitLines(output())) {
            if (text.starts_with(prefix)) {
                return text;
            }
        }
        return {};
    }

    // Waits for "redirect ADDR:PORT -> TARGET action PATH": where the client must connect;
    // nullopt (and a failure) if the example never printed it.
    std::optional<SocketAddress> waitForRedirect() {
        const std::regex redirect(R"(^redirect ([0-9.]+):([0-9]+) -> (\S+) action (\S+)$)");
        std::smatch match;
        std::string text;
        const auto found = waitUntil(
            [&] {
                text = line("redirect ");
                return std::regex_match(text, match, redirect) || example->poll().has_value();
            },
            10s, "the example's redirect line");
        EXPECT_TRUE(found);
        if (match.empty()) {
            ADD_FAILURE() << "no redirect line; the example printed:\n" << output();
            return std::nullopt;
        }
        EXPECT_EQ(match[3].str(), server.address().toString());
        return SocketAddress(match[1].str(),
                             static_cast<std::uint16_t>(std::stoul(match[2].str())));
    }

    Target server{lab, Family::V4, net::Transport::Tcp};
    std::string outputFile = bus.directory() + "/example.out";
    std::unique_ptr<ChildProcess> example;
};

TEST_F(FtpDataRedirectExample, TransferIsEstablishedAndClosed) {
    start();
    const auto redirected = waitForRedirect();
    ASSERT_TRUE(redirected);
    const SocketAddress& internal = *redirected;
    EXPECT_EQ(line("reply to the client: "),
              "reply to the client: 227 Entering Passive Mode (203,0,113,1," +
                  std::to_string(internal.port() >> 8) + "," +
                  std::to_string(internal.port() & 0xFF) + ").");

    ASSERT_TRUE(server.reachedVia(internal, Client{&lab.client(), {}, {}}));
    ASSERT_TRUE(reapUntil([&] { return !line("Closed ").empty(); }, 30s, "the example's Closed"))
        << output();
    EXPECT_EQ(example->wait(10s), std::optional<int>(0)) << output();

    const std::string established = line("Established ");
    EXPECT_NE(established.find("client " + Lab::clientAddress(Family::V4) + ":"), std::string::npos)
        << output();
    EXPECT_NE(established.find("-> target " + server.address().toString()), std::string::npos);
    EXPECT_NE(established.find("context 'transfer-1'"), std::string::npos);
    EXPECT_NE(line("Closed ").find("bytes from the client"), std::string::npos) << output();
    EXPECT_EQ(line("Finished "), "Finished consumed, 1 connection(s)") << output();
    EXPECT_EQ(line("done"), "done");
    EXPECT_TRUE(client().firewall().Sessions().empty()) << "the example closed its session";
}

TEST_F(FtpDataRedirectExample, SigtermCancelsTheUnusedPermission) {
    start();
    const auto redirected = waitForRedirect();
    ASSERT_TRUE(redirected);
    const SocketAddress& internal = *redirected;
    EXPECT_EQ(example->stop(SIGTERM, 10s), std::optional<int>(0)) << output();
    EXPECT_NE(line("cancelling /org/fwxd/Firewall1/action/"), "") << output();
    EXPECT_EQ(line("Expired "), "Expired cancelled") << output();
    EXPECT_EQ(line("Finished "), "Finished cancelled, 0 connection(s)") << output();
    EXPECT_TRUE(server.refusedVia(internal, Client{&lab.client(), {}, {}}));
    EXPECT_EQ(client().firewall().ActiveRedirects(), 0U);
}

TEST_F(FtpDataRedirectExample, UnusedPermissionExpires) {
    start({"--timeout", "0.3"});
    ASSERT_TRUE(waitForRedirect());
    EXPECT_EQ(example->wait(10s), std::optional<int>(1)) << output();
    EXPECT_EQ(line("Expired "), "Expired timeout") << output();
    EXPECT_EQ(line("Finished "), "Finished expired, 0 connection(s)") << output();
}

TEST_F(FtpDataRedirectExample, HelpAndUsage) {
    const CommandResult help = tryRun({EXAMPLE_PATH, "--help"});
    EXPECT_EQ(help.exitStatus, 0) << help.err;
    EXPECT_NE(help.out.find("usage: ftp-data-redirect.py"), std::string::npos) << help.out;
    const CommandResult wrong = tryRun({EXAMPLE_PATH, "192.0.2.2", "x", "y"});
    EXPECT_EQ(wrong.exitStatus, 2);
    EXPECT_NE(wrong.err.find("expected ADDR:PORT"), std::string::npos) << wrong.err;
}

} // namespace
} // namespace fwx::test
