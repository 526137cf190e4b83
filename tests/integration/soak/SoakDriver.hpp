// fwx::test::soak::SoakDriver: the random walk over fwxd's API. Each step picks an operation
// by weight, runs it (asserting the answer the model predicts), then checks every invariant
// (Invariants.hpp), waiting for the state it expects when conntrack events or deadlines are
// still on their way.
#pragma once

#include "BusDaemon.hpp"
#include "DaemonView.hpp"
#include "FwxdClient.hpp"
#include "FwxdProcess.hpp"
#include "Invariants.hpp"
#include "KernelView.hpp"
#include "ProcessBounds.hpp"
#include "SoakModel.hpp"
#include "Target.hpp"
#include "lab/Lab.hpp"
#include "lab/UniqueFd.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace fwx::test::soak {

// What the run did, for the summary line and the docs.
struct Tally {
    std::map<std::string, std::uint64_t> operations; // per kind
    std::uint64_t total = 0;
    std::uint64_t badArguments = 0;       // calls with bad input, each refused by name
    std::uint64_t deniedForeign = 0;      // another uid's objects: AccessDenied
    std::uint64_t midCallDisconnects = 0; // a client left the bus right after a call
    std::uint64_t refusedByQuota = 0;     // valid requests the quotas refused, as predicted
    std::uint64_t reached = 0;            // connections through redirects
    std::uint64_t heldOpen = 0;           // of which the soak held open for a while
    std::uint64_t finished = 0;           // actions that finished (left fwxd for good)
    std::uint64_t outlived = 0;       // cancelled, or their session ended, while a connection lived
    std::uint64_t quotaUndecided = 0; // requests whose quota a deadline passing decided
    std::uint64_t refused = 0;        // connections refused, as predicted
    std::uint64_t checks = 0;         // full checks (one or more per operation)
    std::uint64_t residues = 0;

    std::uint64_t faults() const { return badArguments + deniedForeign + midCallDisconnects; }
    std::string summary() const;
};

struct SoakContext {
    const Lab& lab;
    const BusDaemon& bus;
    FwxdProcess& fwxd;
    const FwxdSettings& settings;
    uid_t otherUid; // listed in settings.allowedUsers
};

class SoakDriver {
public:
    SoakDriver(SoakContext context, std::uint64_t seed, std::uint64_t operations);
    ~SoakDriver();
    SoakDriver(const SoakDriver&) = delete;
    SoakDriver& operator=(const SoakDriver&) = delete;

    // Operation number index (from 1): one operation, then the check. A failure says what
    // went wrong; the seed and the index reproduce it.
    ::testing::AssertionResult step(std::uint64_t index);
    // Samples fwxd's descriptors and memory; a failure if a bound broke.
    ::testing::AssertionResult sampleBounds(std::uint64_t index);

    const Tally& tally() const noexcept { return tally_; }
    std::string boundsSummary() const { return bounds_.describe(); }

    // The client slots: two root connections and one of the allowed other uid.
    static constexpr std::size_t Slots = 3;

private:
    struct Client {
        int id = 0;
        uid_t uid = 0;
        std::unique_ptr<FwxdClient> bus;
        sdbus::Slot expiredMatch;
        sdbus::Slot finishedMatch;
    };
    using Operation = void (SoakDriver::*)();
    struct Kind {
        const char* name;
        unsigned weight;
        Operation run;
    };

    // Operations.cpp
    void openSession();
    void redirect();
    void cancel();
    void close();
    void registerProtocol();
    void unregisterProtocol();
    void disconnect();
    void disconnectMidCall();
    void foreignObjects();
    void deniedForeign();
    // Faults.cpp
    struct Fault;
    void badArguments();
    Fault badSessionOptions(Client& client);
    Fault badRedirect(Client& client, const sdbus::ObjectPath& session);
    Fault badProtocol(Client& client);
    Fault badCall(Client& client);
    std::string garbage();
    // Traffic.cpp
    void traffic();
    void hangUp();
    void hangUp(std::uint64_t connection);
    // Hangs up the connections held open longest (see MaxHoldOpen).
    void hangUpOld();
    ModelAction* holderOf(net::Transport transport, const net::Endpoint& internal);
    Target& targetFor(net::Transport transport, Family family,
                      const std::optional<net::Endpoint>& address);
    void connectThrough(net::Transport transport, const net::Endpoint& internal,
                        ModelAction* holder, bool reaches);
    // Whether a connection through the action lives now, as conntrack says (one lookup
    // each): one that lives after a call lived throughout it.
    bool liveNow(const sdbus::ObjectPath& action) const;
    std::uint16_t freshSourcePort();
    std::string conntrackOf(net::Transport transport, std::uint16_t sourcePort,
                            const net::Endpoint& internal) const;

    // Clients (SoakDriver.cpp)
    Client& connectClient(uid_t uid);
    void dropClient(int id);
    Client& slot(std::size_t index) { return clients_.at(slots_.at(index)); }
    Client& randomSlot();
    void dispatchAll();

    // Random choices (Operations.cpp)
    std::size_t below(std::size_t n);
    bool chance(double p);
    template <typename T> const T& pick(const std::vector<T>& items) {
        return items.at(below(items.size()));
    }
    Options randomSessionOptions(net::Family family);
    std::string randomGuid();
    Options protocolSpec(net::Transport transport);
    struct PlannedRedirect {
        sdbus::ObjectPath session;
        std::vector<ConnectAddress> targets;
        RedirectRequest request;
        net::Family family = net::Family::V4;
        net::Prefix allowedSource;
        std::optional<microseconds> timeout;
    };
    // A valid request into session, with random sizes, flags and options.
    PlannedRedirect planRedirect(const sdbus::ObjectPath& session);
    // Sends it as client, asserts the predicted answer, records the new actions.
    void runRedirect(Client& client, const PlannedRedirect& plan);
    // Whether adding sessions and actions exceeds a quota of the client: Must, May (fwxd may
    // be settling a deadline that decides it), MustNot. now: when fwxd handles the call at
    // the latest (see SoakModel::permitting).
    Need quotaExceeded(const Client& client, std::size_t sessions, std::size_t actions,
                       SteadyTime now) const;
    // Where the action's permission is as Cancel or Close finds it: Over if fwxd said its
    // deadline passed, Open if the deadline is far, else Closing.
    Phase endPhase(const ModelAction& action) const;
    // The State fwxd may give the action from the moment it is withdrawn (Cancel, Close).
    std::set<std::string> endStates(const ModelAction& action, Phase phase) const;
    void recordEnd(const ModelAction& action, const std::string& reason, Phase phase);
    // Every port a new action got must be free: no other action may still hold it.
    void checkPortsFree(const std::vector<sdbus::ObjectPath>& added);
    void endAction(Client& caller, const sdbus::ObjectPath& path);
    void endSession(Client& caller, const sdbus::ObjectPath& path);
    std::vector<sdbus::ObjectPath> sessionsOf(int client) const;
    std::vector<sdbus::ObjectPath> actionsOf(int client) const;
    std::vector<sdbus::ObjectPath> sessionsWithRoom(const Client& client, std::size_t n) const;

    // The check after each operation (SoakDriver.cpp)
    ::testing::AssertionResult checkUntilClean(std::uint64_t index);
    Findings checkOnce();
    std::vector<ConnectionMade> connectionsMade() const;
    // What conntrack says of the soak's connections: those over are forgotten.
    void observeConnections(const KernelView& kernel);
    // After a clean check: what fwxd confirmed (deadlines settled, actions finished).
    void learn(const DaemonView& daemon);
    void forgetOldSignals();

    SoakContext context_;
    std::mt19937_64 random_;
    std::vector<Kind> kinds_;
    unsigned totalWeight_ = 0;
    SoakModel model_;
    std::map<int, Client> clients_;
    std::array<int, Slots> slots_{};
    int nextClient_ = 1;
    std::unique_ptr<FwxdClient> observer_; // reads fwxd's objects; owns nothing
    KernelReader kernel_;
    ReceivedExpiries received_;
    ReceivedFinishes finished_;
    std::uint16_t nextSourcePort_ = 0; // Traffic.cpp
    std::uint64_t nextConnection_ = 1;
    // The client sockets of the connections the soak holds open, by ModelConnection::id.
    std::map<std::uint64_t, UniqueFd> heldOpen_;
    // Targets of redirects, per family and transport: two servers each.
    std::map<std::pair<net::Family, net::Transport>, std::vector<std::unique_ptr<Target>>> targets_;
    ProcessBounds bounds_;
    Tally tally_;
    std::string current_; // what the current step does, for failure messages
    // The kind of operation the step ran: one that cannot run (nothing to cancel) runs another.
    const char* ran_ = "";
};

} // namespace fwx::test::soak
