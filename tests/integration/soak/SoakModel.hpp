// fwx::test::soak::SoakModel: what the soak itself did to fwxd, and so what fwxd's objects
// must say: the clients, their sessions and actions with every argument they were made
// with, the protocols, and what traffic went through each action.
//
// The model never asks fwxd anything; Invariants compares it with fwxd's objects, and fwxd's
// objects with the kernel.
#pragma once

#include "net/Endpoint.hpp"
#include "net/Prefix.hpp"
#include "net/Transport.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>
#include <sys/types.h>

namespace fwx::test::soak {

using SteadyClock = std::chrono::steady_clock;
using SteadyTime = SteadyClock::time_point;
using std::chrono::microseconds;
using std::chrono::milliseconds;

// Session1.PrimaryConnection: transport, client address and port, server address and port.
using PrimaryStruct =
    sdbus::Struct<std::string, std::string, std::uint16_t, std::string, std::uint16_t>;

// RedirectConnections flags.
inline constexpr std::uint32_t AllowMultiple = 0x1;
inline constexpr std::uint32_t TimeoutFlag = 0x2;

// The Action1.State values.
namespace state {
inline constexpr const char* Pending = "pending";
inline constexpr const char* Established = "established";
inline constexpr const char* Consumed = "consumed";
inline constexpr const char* Expired = "expired";
inline constexpr const char* Cancelled = "cancelled";
} // namespace state

struct ModelClient {
    int id = 0;
    uid_t uid = 0;
    std::string name; // unique bus name
};

struct ModelSession {
    sdbus::ObjectPath path;
    int client = 0;
    std::optional<PrimaryStruct> primary;   // as given to OpenSession
    std::string description;                // as given to OpenSession, "" if not
    std::vector<sdbus::ObjectPath> actions; // the live ones, in creation order
};

// Where an action's permission is in its life, as far as the soak can know from the clock:
// a TIMEOUT deadline is only known to lie between the call's start and its reply.
enum class Phase {
    Open,    // no TIMEOUT, or the deadline is more than a margin away
    Closing, // the deadline may be passing: either outcome is right
    Over,    // the deadline has passed by more than the margin
};

// A connection the soak made through an action, as conntrack keys it.
struct ConnectionMade {
    net::Transport transport = net::Transport::Tcp;
    net::Endpoint client;
    net::Endpoint internal;
};

struct ModelAction {
    sdbus::ObjectPath path;
    sdbus::ObjectPath session;
    int client = 0;
    net::Transport transport = net::Transport::Tcp;
    net::Endpoint internal;
    net::Endpoint target;
    std::string proxy; // "" = no SNAT
    std::uint32_t flags = 0;
    net::Prefix allowedSource; // after fwxd's default (the primary's client, else any)
    std::optional<microseconds> timeout;
    SteadyTime calledAt;           // RedirectConnections was sent
    SteadyTime answeredAt;         // and answered
    std::int64_t realCalledAt = 0; // the same on CLOCK_REALTIME, µs
    std::int64_t realAnsweredAt = 0;
    unsigned reached = 0; // connections the soak made through it
    // The client ends of those connections that conntrack may still track.
    std::vector<net::Endpoint> clientEnds;

    bool singleUse() const noexcept { return (flags & AllowMultiple) == 0; }
    bool timed() const noexcept { return (flags & TimeoutFlag) != 0; }
    Phase phase(SteadyTime now, milliseconds margin) const;
    // Whether the permission admits a connection now (from a source it allows): true,
    // false, or nullopt while the deadline may be passing.
    std::optional<bool> admits(SteadyTime now, milliseconds margin) const;
    // The Action1.State values fwxd may report now.
    std::set<std::string> allowedStates(SteadyTime now, milliseconds margin) const;
};

// A protocol belongs to the uid that registered it, whichever of its connections, and
// outlives them.
struct ModelProtocol {
    std::string guid;
    uid_t owner = 0;
    net::Transport transport = net::Transport::Tcp;
    std::map<std::string, sdbus::Variant> spec; // as registered: the same spec registers again
};

// What the owner of an ended action may hear of it: Expired with one of reasons, and with
// mandatory one of them for sure (never anything else, never twice).
struct ExpectedExpiry {
    int client = 0;
    sdbus::ObjectPath action;
    std::set<std::string> reasons;
    bool mandatory = false;
};

class SoakModel {
public:
    std::map<int, ModelClient> clients;
    std::map<sdbus::ObjectPath, ModelSession> sessions;
    std::map<sdbus::ObjectPath, ModelAction> actions;
    std::map<std::string, ModelProtocol> protocols;
    std::deque<ExpectedExpiry> expiries; // the latest ones

    // Actions that went recently (cancelled, closed): their ports are probed with traffic.
    std::deque<ModelAction> gone;

    void addAction(ModelAction action);
    void expectExpiry(ExpectedExpiry expiry);
    // Cancel: the action leaves its session.
    void removeAction(const sdbus::ObjectPath& path);
    // Close, or the owner left: the session and its actions.
    void removeSession(const sdbus::ObjectPath& path);
    // The owner left the bus: everything of it but its protocols, which belong to its uid.
    void removeClient(int id);

    std::size_t sessionsOf(int client) const;
    std::size_t actionsOf(int client) const;
    std::size_t sessionsOfUid(uid_t uid) const;
    std::size_t actionsOfUid(uid_t uid) const;
    std::size_t protocolsOfUid(uid_t uid) const;
    const ModelClient* clientNamed(const std::string& name) const;

private:
    void remember(const ModelAction& action);
};

} // namespace fwx::test::soak
