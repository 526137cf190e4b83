// polkit (issue 13, item 5): with a real polkitd on the lab's bus, a rules file grants
// org.fwxd.redirect to one system user that fwxd.conf does not list. That user opens a
// session and a redirect that carries traffic, and hears Established; another unlisted user
// is refused and told that polkit did not grant it; an administrator's act stays refused to
// the granted user. polkitd runs in a mount namespace of its own, where fwxd's actions file
// (systemd/org.fwxd.policy) and the test's rules are bound over the system's directories.
#include "ChildProcess.hpp"
#include "DaemonFixture.hpp"
#include "OtherUser.hpp"
#include "lab/Command.hpp"
#include "lab/TcpConnect.hpp"
#include "lab/TcpServer.hpp"
#include "lab/WaitUntil.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <pwd.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* AccessDenied = "org.fwxd.Error.AccessDenied";
// A system user of every Debian (base-passwd) that the lab's fwxd.conf does not list.
constexpr const char* GrantedUser = "daemon";

passwd userNamed(const char* name) {
    const passwd* entry = ::getpwnam(name);
    if (entry == nullptr) {
        throw std::runtime_error(std::string("no user ") + name + " on this machine");
    }
    return *entry;
}

// What an sdbus::Error said, or "(no error)".
template <typename Call> std::string refusalOf(Call&& call) {
    try {
        call();
    } catch (const sdbus::Error& e) {
        return e.getName() + ": " + e.getMessage();
    }
    return "(no error)";
}

std::string lineOf(const std::string& text, const std::string& what) {
    const auto at = text.find(what);
    return at == std::string::npos ? "" : text.substr(at, text.find('\n', at) - at);
}

class Polkit : public DaemonFixture {
protected:
    void SetUp() override {
        DaemonFixture::SetUp();
        if (!HasFatalFailure()) {
            startPolkitd();
        }
    }

    void TearDown() override {
        if (polkitd) {
            polkitd->stop(SIGTERM, 5000ms);
        }
        DaemonFixture::TearDown();
    }

    void startPolkitd() {
        namespace fs = std::filesystem;
        const std::string root = bus.directory() + "/polkit";
        const std::string actions = root + "/actions", rules = root + "/rules",
                          noRules = root + "/no-rules";
        for (const std::string& dir : {actions, rules, noRules}) {
            fs::create_directories(dir);
        }
        fs::copy_file(POLKIT_POLICY_PATH, actions + "/org.fwxd.policy");
        std::ofstream(rules + "/50-fwxd-test.rules")
            << "polkit.addRule(function(action, subject) {\n"
               "    if (action.id == \"org.fwxd.redirect\" && subject.user == \""
            << GrantedUser
            << "\")\n"
               "        return polkit.Result.YES;\n"
               "});\n";
        polkitdLog = root + "/polkitd.log";
        ChildOptions options;
        options.outputFile = polkitdLog;
        options.mounts = {{actions, "/usr/share/polkit-1/actions"},
                          {rules, "/etc/polkit-1/rules.d"},
                          {noRules, "/usr/share/polkit-1/rules.d"}};
        options.launcher = {"/usr/bin/env", "DBUS_SYSTEM_BUS_ADDRESS=" + bus.address()};
        polkitd = std::make_unique<ChildProcess>(
            std::vector<std::string>{POLKITD_PATH, "--no-debug"}, options);
        ASSERT_TRUE(waitUntil(
            [&] {
                const CommandResult owner = busctl(
                    {"call", "org.freedesktop.DBus", "/org/freedesktop/DBus",
                     "org.freedesktop.DBus", "NameHasOwner", "s", "org.freedesktop.PolicyKit1"});
                return owner.out.find("true") != std::string::npos || polkitd->poll().has_value();
            },
            10s, "polkitd on the bus"));
        ASSERT_FALSE(polkitd->poll().has_value()) << "polkitd exited:\n" << readFile(polkitdLog);
    }

    static std::string readFile(const std::string& path) {
        std::ifstream file(path);
        return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    }

    std::unique_ptr<ChildProcess> polkitd;
    std::string polkitdLog;
};

TEST_F(Polkit, GrantsARuleNamesUserAndRefusesTheOthers) {
    const passwd granted = userNamed(GrantedUser);
    const auto proxy = connectAs(bus.address(), granted.pw_uid, granted.pw_gid);
    const auto stranger = connectAs(bus.address(), NobodyId, NobodyId);

    TcpServer server(&lab.server(), Lab::serverAddress(Family::V4));
    const sdbus::ObjectPath session = proxy->openSession();
    const Redirected redirected =
        proxy->redirect(session, {ConnectAddress(server.address().address(), server.port())});
    const sdbus::ObjectPath& action = redirected.actions.at(0);
    const TcpOutcome outcome = tcpConnect(
        &lab.client(), {redirected.internalAddress, redirected.basePort}, "hi\n", 5000ms);
    ASSERT_TRUE(outcome.connected()) << outcome;
    const auto accepted = server.accept(5000ms);
    ASSERT_TRUE(accepted);
    EXPECT_EQ(accepted->data, "hi\n");
    EXPECT_TRUE(proxy->waitForSignal(action, "Established", std::nullopt, 10s));
    EXPECT_NE(fwxd->log().find("polkit grants org.fwxd.redirect to"), std::string::npos)
        << fwxd->log();

    const std::string refused = refusalOf([&] { stranger->openSession(); });
    EXPECT_NE(refused.find(AccessDenied), std::string::npos) << refused;
    EXPECT_NE(refused.find("polkit does not grant org.fwxd.redirect"), std::string::npos)
        << refused;

    // The rule grants org.fwxd.redirect, not org.fwxd.admin.
    const std::string notAdmin = refusalOf([&] {
        proxy->firewall().RegisterConnectFilter("8d1c7a52-3f0e-4b6a-9e21-5c4d3b2a1f00", {});
    });
    EXPECT_NE(notAdmin.find("polkit does not grant org.fwxd.admin"), std::string::npos) << notAdmin;
    EXPECT_EQ(lineOf(fwxd->log(), "polkit grants org.fwxd.admin"), "");
}

// Without polkitd the [Access] lists decide alone, and the refusal says polkit is absent.
class WithoutPolkit : public DaemonFixture {};

TEST_F(WithoutPolkit, TheListsDecideAndTheRefusalSaysSo) {
    const auto stranger = connectAs(bus.address(), NobodyId, NobodyId);
    const std::string refused = refusalOf([&] { stranger->openSession(); });
    EXPECT_NE(refused.find(AccessDenied), std::string::npos) << refused;
    EXPECT_NE(refused.find("polkit, which could grant org.fwxd.redirect, is not on the bus"),
              std::string::npos)
        << refused;
}

} // namespace
} // namespace fwx::test
