// fwx::test::soak::DaemonView: what fwxd's D-Bus objects say, read with one
// GetManagedObjects (every session and action with every property) and the Firewall1
// properties Sessions, ActiveRedirects and Protocols.
#pragma once

#include "FwxdClient.hpp"
#include "SoakModel.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace fwx::test::soak {

struct ActionView {
    sdbus::ObjectPath path;
    std::string internalAddress;
    std::uint16_t internalPort = 0;
    std::string connectAddress;
    std::uint16_t connectPort = 0;
    std::string proxyExternalAddress;
    std::string protocol;
    std::uint32_t flags = 0;
    std::string mode;
    bool expected = false;
    std::string noExpectationReason;
    std::string state;
    std::uint64_t expiresAt = 0; // CLOCK_REALTIME µs, 0 = never
    std::uint32_t connections = 0;
};

struct SessionView {
    sdbus::ObjectPath path;
    std::string owner;
    PrimaryStruct primary;
    std::string description;
    std::vector<sdbus::ObjectPath> actions;
};

struct ProtocolView {
    std::string transport;
    std::uint32_t owner = 0; // uid
};

struct DaemonView {
    std::map<sdbus::ObjectPath, SessionView> sessions;
    std::map<sdbus::ObjectPath, ActionView> actions;
    std::map<std::string, ProtocolView> protocols;   // Firewall1.Protocols
    std::vector<sdbus::ObjectPath> sessionsProperty; // Firewall1.Sessions
    std::uint32_t activeRedirects = 0;               // Firewall1.ActiveRedirects
    SteadyTime readAt;                               // when the reading started

    // Throws sdbus::Error if fwxd does not answer.
    static DaemonView read(FwxdClient& observer);
};

} // namespace fwx::test::soak
