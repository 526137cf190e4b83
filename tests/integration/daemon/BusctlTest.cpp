// fwxd driven by busctl alone, as an administrator would: introspection shows exactly the
// contract's interfaces, properties read back, calls work and errors are named.
#include "DaemonFixture.hpp"
#include "lab/Lab.hpp"
#include "lab/WaitUntil.hpp"

#include <chrono>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;

// The names busctl introspect lists with the given type ("interface", "method", ...), and
// for members the interface prefix: "org.fwxd.Firewall1.OpenSession".
std::set<std::string> introspected(const std::string& listing, const std::string& type) {
    std::set<std::string> names;
    for (const std::string& line : splitLines(listing)) {
        std::istringstream words(line);
        std::string name;
        std::string kind;
        words >> name >> kind;
        if (kind == type) {
            names.insert(name);
        }
    }
    return names;
}

std::set<std::string> standardInterfaces() {
    return {"org.freedesktop.DBus.Introspectable", "org.freedesktop.DBus.Peer",
            "org.freedesktop.DBus.Properties"};
}

std::set<std::string> plus(std::set<std::string> names, std::initializer_list<std::string> more) {
    names.insert(more);
    return names;
}

class Busctl : public DaemonFixture {
protected:
    std::string ok(const std::vector<std::string>& args) {
        const CommandResult result = busctl(args);
        EXPECT_EQ(result.exitStatus, 0) << commandLine(args) << ": " << result.err;
        return result.out;
    }
};

TEST_F(Busctl, IntrospectionShowsExactlyTheContract) {
    const std::string firewall = ok({"introspect", FwxdName, FirewallPath});
    EXPECT_EQ(
        introspected(firewall, "interface"),
        plus(standardInterfaces(), {"org.fwxd.Firewall1", "org.freedesktop.DBus.ObjectManager"}))
        << firewall;
    EXPECT_EQ(introspected(firewall, "method"),
              (std::set<std::string>{".OpenSession", ".RegisterProtocol", ".UnregisterProtocol",
                                     ".RegisterConnectFilter", ".RegisterDataFilter",
                                     ".GetManagedObjects", ".Introspect", ".GetMachineId", ".Ping",
                                     ".Get", ".GetAll", ".Set"}))
        << firewall;
    EXPECT_EQ(introspected(firewall, "property"),
              (std::set<std::string>{".Version", ".InternalAddresses", ".PortRange", ".Sessions",
                                     ".ActiveRedirects", ".EventResyncs", ".Protocols"}))
        << firewall;
    EXPECT_EQ(introspected(firewall, "signal"),
              (std::set<std::string>{".RedirectCreated", ".InterfacesAdded", ".InterfacesRemoved",
                                     ".PropertiesChanged"}))
        << firewall;

    const sdbus::ObjectPath session = client().openSession();
    const Redirected redirected =
        client().redirect(session, {ConnectAddress(Lab::serverAddress(Family::V4), 21000)});
    const std::string sessionListing = ok({"introspect", FwxdName, session});
    EXPECT_EQ(introspected(sessionListing, "interface"),
              plus(standardInterfaces(), {"org.fwxd.Session1"}))
        << sessionListing;
    EXPECT_EQ(introspected(sessionListing, "property"),
              (std::set<std::string>{".Owner", ".PrimaryConnection", ".Description", ".Actions"}))
        << sessionListing;
    const std::string action = ok({"introspect", FwxdName, redirected.actions.at(0)});
    EXPECT_EQ(introspected(action, "interface"), plus(standardInterfaces(), {"org.fwxd.Action1"}))
        << action;
    EXPECT_EQ(introspected(action, "property"),
              (std::set<std::string>{".InternalAddress", ".InternalPort", ".ConnectAddress",
                                     ".ConnectPort", ".ProxyExternalAddress", ".Protocol", ".Flags",
                                     ".Mode", ".Expected", ".NoExpectationReason", ".State",
                                     ".ExpiresAt", ".Connections"}))
        << action;
    EXPECT_EQ(introspected(action, "signal"),
              (std::set<std::string>{".Established", ".Closed", ".Expired", ".Finished",
                                     ".PropertiesChanged"}))
        << action;
}

TEST_F(Busctl, PropertiesReadBack) {
    EXPECT_EQ(ok({"get-property", FwxdName, FirewallPath, "org.fwxd.Firewall1", "PortRange"}),
              "(qq) 41000 41999\n");
    EXPECT_EQ(ok({"get-property", FwxdName, FirewallPath, "org.fwxd.Firewall1", "Version"}),
              std::string("s \"") + FWXD_EXPECTED_VERSION + "\"\n");
    EXPECT_EQ(
        ok({"get-property", FwxdName, FirewallPath, "org.fwxd.Firewall1", "InternalAddresses"}),
        "as 2 \"" + Lab::internalAddress(Family::V4) + "\" \"" + Lab::internalAddress(Family::V6) +
            "\"\n");
    EXPECT_EQ(ok({"get-property", FwxdName, FirewallPath, "org.fwxd.Firewall1", "ActiveRedirects"}),
              "u 0\n");
}

// busctl's connection ends when busctl exits: fwxd closes the session at once.
TEST_F(Busctl, SessionOfBusctlVanishesWithIt) {
    const std::string opened = ok({"call", FwxdName, FirewallPath, "org.fwxd.Firewall1",
                                   "OpenSession", "a{sv}", "1", "Description", "s", "busctl"});
    EXPECT_TRUE(opened.starts_with("o \"/org/fwxd/Firewall1/session/")) << opened;
    EXPECT_TRUE(waitUntil(
        [&] {
            return busctl(
                       {"get-property", FwxdName, FirewallPath, "org.fwxd.Firewall1", "Sessions"})
                       .out == "ao 0\n";
        },
        5s, "Sessions to be empty again"));
    EXPECT_EQ(kernelElements(), 0U);
}

TEST_F(Busctl, BadCallFailsWithTheErrorName) {
    const CommandResult bad = busctl({"call", FwxdName, FirewallPath, "org.fwxd.Firewall1",
                                      "OpenSession", "a{sv}", "1", "Colour", "s", "blue"});
    EXPECT_NE(bad.exitStatus, 0);
    EXPECT_NE(bad.err.find("Colour"), std::string::npos) << bad.err;
    // busctl (systemd 252) prints only the error's message ("Call failed: options: unknown
    // key ..."), never its name; gdbus prints the name.
    const CommandResult named = tryRun({"gdbus", "call", "--address", bus.address(), "--dest",
                                        FwxdName, "--object-path", FirewallPath, "--method",
                                        "org.fwxd.Firewall1.OpenSession", "{'Colour': <'blue'>}"});
    EXPECT_NE(named.exitStatus, 0);
    EXPECT_NE(named.err.find("org.fwxd.Error.InvalidArgument"), std::string::npos) << named.err;
    // fwxd still answers.
    EXPECT_EQ(ok({"get-property", FwxdName, FirewallPath, "org.fwxd.Firewall1", "Sessions"}),
              "ao 0\n");
}

} // namespace
} // namespace fwx::test
