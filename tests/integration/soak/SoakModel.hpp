// fwx::test::soak::SoakModel: what the soak itself did to fwxd, and so what fwxd's objects
// must say: the clients, their sessions and actions with every argument they were made
// with, what the soak cancelled and closed, the protocols, and the connections it made
// through each action while conntrack says they live (an action lives on while one does).
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
#include <functional>
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
    std::optional<PrimaryStruct> primary; // as given to OpenSession
    std::string description;              // as given to OpenSession, "" if not
    // Its actions on the bus (or that may be: see ModelAction::presence), in creation order.
    std::vector<sdbus::ObjectPath> actions;
};

// Where an action's permission is in its life, as far as the soak can know from the clock:
// a TIMEOUT deadline is only known to lie between the call's start and its reply.
enum class Phase {
    Open,    // no TIMEOUT, or the deadline is more than a margin away
    Closing, // the deadline may be passing: either outcome is right
    Over,    // the deadline has passed by more than the margin
};

// Whether something must happen, may, or must not.
enum class Need { Must, May, MustNot };

// A connection as conntrack keys it.
struct ConnectionMade {
    net::Transport transport = net::Transport::Tcp;
    net::Endpoint client;
    net::Endpoint internal;
};

// A connection the soak made through an action.
struct ModelConnection {
    std::uint64_t id = 0; // the soak's number
    sdbus::ObjectPath action;
    net::Transport transport = net::Transport::Tcp;
    net::Endpoint client;
    net::Endpoint internal;
    // The soak holds the client's socket open (TCP, the server has closed its side):
    // conntrack must keep the entry, in CLOSE_WAIT, until the soak hangs up.
    bool heldOpen = false;
    SteadyTime madeAt;
};

// Where an action is, as fwxd must list it on the bus.
enum class Presence { Listed, Gone, Either };

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

    // fwxd reported its permission over (State consumed, or it left the bus) while the soak
    // had not withdrawn it: its deadline has been settled.
    bool settled = false;
    // Cancel withdrew it: it stays on the bus, in its session, while a connection lives.
    bool withdrawn = false;
    // Its session ended (Close, or its owner left the bus): it is off the bus, and fwxd
    // keeps it (and its port) while a connection through it lives.
    bool detached = false;
    bool ownerGone = false;
    // What fwxd may call its State from the moment it was withdrawn or detached: cancelled
    // if its permission was still open then, else the State it had.
    std::set<std::string> endStates;
    // The Expired it may send has been predicted already (Cancel, Close).
    bool endRecorded = false;
    // Whether its owner gets Finished once it finishes: MustNot if it ended with its session.
    Need finishedSignal = Need::Must;

    bool singleUse() const noexcept { return (flags & AllowMultiple) == 0; }
    bool timed() const noexcept { return (flags & TimeoutFlag) != 0; }
    Phase phase(SteadyTime now, milliseconds margin) const;
    // Whether the permission admits a connection now (from a source it allows): true,
    // false, or nullopt while the deadline may be passing.
    std::optional<bool> admits(SteadyTime now, milliseconds margin) const;
    // Whether fwxd lists it now, given whether a connection through it lives.
    Presence presence(SteadyTime now, milliseconds margin, bool live) const;
    // The Action1.State values fwxd may report now while it lists it.
    std::set<std::string> allowedStates(SteadyTime now, milliseconds margin) const;
    // The states its Finished may carry.
    std::set<std::string> finishStates() const;
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

// What the owner of a finished action hears: Finished(state, connections) once (need Must),
// perhaps (May), or never (MustNot, it ended with its session); no other client hears it.
struct ExpectedFinish {
    int client = 0;
    sdbus::ObjectPath action;
    std::set<std::string> states;
    std::uint32_t connections = 0;
    Need need = Need::Must;
};

// How many of a client's or uid's actions count against MaxActionsPer*: those that may still
// admit a connection. Between the two, fwxd may be settling a deadline.
struct QuotaCount {
    std::size_t surely = 0;
    std::size_t atMost = 0;
};

class SoakModel {
public:
    std::map<int, ModelClient> clients;
    std::map<sdbus::ObjectPath, ModelSession> sessions;
    // Every action fwxd may still hold: on the bus (in a session), withdrawn but listed, or
    // detached (its session gone) while a connection through it may live.
    std::map<sdbus::ObjectPath, ModelAction> actions;
    std::map<std::string, ModelProtocol> protocols;
    std::deque<ExpectedExpiry> expiries; // the latest ones
    std::deque<ExpectedFinish> finishes; // the latest ones
    // The connections that live, as conntrack said last: a UDP flow until its entry goes, a
    // TCP connection until its entry goes or says it ended (TIME_WAIT, CLOSE: fwxd's Closed).
    std::vector<ModelConnection> connections;

    // Actions that went recently (finished, or off the bus with their session): their ports
    // are probed with traffic.
    std::deque<ModelAction> gone;

    void addAction(ModelAction action);
    void expectExpiry(ExpectedExpiry expiry);
    void expectFinish(ExpectedFinish finish);
    // Cancel: the permission is withdrawn; the action stays while a connection lives.
    void withdraw(const sdbus::ObjectPath& path, std::set<std::string> endStates);
    // Close, or the owner left: the session leaves, its actions are detached.
    void removeSession(const sdbus::ObjectPath& path, bool ownerGone);
    // The owner left the bus: everything of it but its protocols, which belong to its uid.
    void removeClient(int id);
    // The action has finished: it leaves the model (for the gone list), with the Expired and
    // Finished its owner must get if not predicted already.
    void finish(const sdbus::ObjectPath& path);

    // Whether a connection through the action lives, as conntrack said last.
    bool live(const sdbus::ObjectPath& action) const;
    std::size_t sessionsOf(int client) const;
    QuotaCount actionsOf(int client, SteadyTime now, milliseconds margin) const;
    std::size_t sessionsOfUid(uid_t uid) const;
    QuotaCount actionsOfUid(uid_t uid, SteadyTime now, milliseconds margin) const;
    std::size_t protocolsOfUid(uid_t uid) const;
    const ModelClient* clientNamed(const std::string& name) const;

private:
    void remember(const ModelAction& action);
    QuotaCount permitting(const std::function<bool(const ModelAction&)>& whose, SteadyTime now,
                          milliseconds margin) const;
};

} // namespace fwx::test::soak
