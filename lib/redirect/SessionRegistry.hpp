#pragma once

#include "error/Error.hpp"
#include "redirect/Action.hpp"
#include "redirect/Clock.hpp"
#include "redirect/ConnectionTracker.hpp"
#include "redirect/EndedFlows.hpp"
#include "redirect/ExpectationBackend.hpp"
#include "redirect/Flow.hpp"
#include "redirect/FlowTable.hpp"
#include "redirect/Notices.hpp"
#include "redirect/PortFlows.hpp"
#include "redirect/ProtocolRegistry.hpp"
#include "redirect/Request.hpp"
#include "redirect/Service.hpp"
#include "redirect/Session.hpp"
#include "redirect/SessionLimits.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace fwx::redirect {

// Sessions and their actions on top of the Service: who owns what, quotas, deadlines,
// conntrack expectations and the state of every action. Pure logic; the bus side feeds it
// conntrack events, turns what its calls return (ActionEnded, Notices) into signals and
// objects, and arms one timer for nextDeadline().
//
// An action's life: pending -> (single use: its connection was admitted) consumed ->
// established (the target answered) -> consumed (the connection ended). With
// ALLOW_MULTIPLE it stays established from the first connection on. A pending permission
// may instead expire (timeout) or be cancelled (Cancel, Close, its owner or its primary
// went). An action stays while it permits or a connection through it lives, then
// finishes: its kernel state goes, its port goes back, it leaves the registry. A session
// that ends takes its actions off the bus at once; those with live connections stay
// here, detached, until those connections end, so that their Closed still reach the
// owner and their ports are not handed to another redirect under them.
class SessionRegistry {
public:
    // What RedirectConnections answers.
    struct Opened {
        net::Address internalAddress;
        std::uint16_t basePort = 0;
        std::vector<ActionId> actions; // in target order
        bool expected = false;         // backed by conntrack expectations
        // Why the redirects are not backed by expectations although the session names its
        // primary connection; empty otherwise. For the log.
        std::string expectationNote;
    };
    // What ending a session did. Kernel removals that failed do not keep the session
    // alive: its owner wants it gone; what the kernel refused stays with the Service, which
    // retries it (Service::retire), and the caller logs the errors.
    struct SessionEnd {
        std::vector<SessionId> sessions; // the sessions that ended
        std::vector<ActionEnded> ended;
        // The actions that left with their sessions (notify false); those whose connections
        // live on finish later, through Notices.
        std::vector<ActionFinished> finished;
        std::vector<Error> cleanupErrors;
    };

    // How long a single-use permission that the kernel spent (its expectation was used) may
    // wait for conntrack to report the connection it admitted. None in that time: the first
    // packet was dropped after the permission was checked, and the action finishes.
    static constexpr std::chrono::seconds UnconfirmedGrace{2};

    // portFlows: the index of conntrack entries on allocatable ports that the registry keeps
    // up to date from the events it is handed, and the Service reads.
    SessionRegistry(Service& service, FlowTable& flows, PortFlows& portFlows,
                    ExpectationBackend& expectations, const ProtocolRegistry& protocols,
                    const Clock& clock, SessionLimits limits);
    // shutdown(), errors swallowed: an expectation left behind lapses, and without fwxd's
    // table nothing forwards its connection.
    ~SessionRegistry();
    SessionRegistry(const SessionRegistry&) = delete;
    SessionRegistry& operator=(const SessionRegistry&) = delete;

    // Throws fwx::Error(QuotaExceeded) when the owner has MaxSessionsPerClient sessions, or
    // its uid MaxSessionsPerUser over all its connections. A primary connection that
    // conntrack tracks now is followed (one lookup): when it ends, so does every
    // permission of the session still open (Expired("primary-closed")).
    const Session& openSession(const Owner& owner, SessionOptions options);
    // One action per target, all programmed in one kernel transaction or none. Without an
    // AllowedSource, only the primary connection's client may connect (anyone if the
    // session has none). When the session names a primary connection that carries a
    // helper, each redirect is also a conntrack expectation on it; requireExpectation
    // makes that a condition (NotSupported, with the reason, otherwise). Throws fwx::Error:
    // QuotaExceeded, UnknownProtocol, NotSupported, and whatever Service::open throws;
    // nothing is left behind.
    Opened redirect(SessionId session, Request request, const std::string& protocolGuid,
                    bool requireExpectation = false);
    SessionEnd closeSession(SessionId session, EndReason reason);
    // Every session of an owner that left the bus.
    SessionEnd ownerVanished(const std::string& ownerName);
    // Closes every session, removing what they programmed in bounded transactions.
    SessionEnd shutdown();
    // Withdraws the action's permission and its kernel state; it finishes at once unless
    // connections through it live (their port stays held for them). Throws
    // InvalidArgument for an unknown id, Failed if the kernel refuses (nothing changes).
    Notices cancel(ActionId action);

    // The earliest deadline of a pending action, for the caller's timer.
    std::optional<std::chrono::steady_clock::time_point> nextDeadline() const;
    // Settles every action whose deadline has passed: a permission that was used is
    // Consumed (and stays programmed while its connections live), one that was not is
    // Expired, removed from the kernel and reported. The caller hands over the conntrack
    // events queued until now first: they tell whether a permission was used.
    Notices expireDue();

    // Conntrack events of connections through redirects (SessionRegistryEvents.cpp).
    Notices onFlow(const FlowEvent& event);
    Notices onExpectation(const ExpectationEvent& event);
    // What the relays of user-mode redirects report (RelayEvents), queued by the caller:
    // followed like conntrack's events of kernel-mode ones. Kernel events of a relayed
    // port (its client leg's own conntrack entry) are ignored.
    Notices onRelayed(const FlowEvent& event);
    // After events were lost: reconciles every action with what conntrack holds now, as if
    // the lost events had arrived (no Established twice, no Closed lost).
    Notices resync(const ConntrackSnapshot& snapshot);

    const Session* session(SessionId id) const;
    // The actions of open sessions: what is on the bus. Detached ones are not.
    const Action* action(ActionId id) const;
    const std::map<SessionId, Session>& sessions() const noexcept { return sessions_; }
    const std::map<ActionId, Action>& actions() const noexcept { return actions_; }
    // The action (attached or detached) whose redirect holds transport and internal; nullptr
    // if none does.
    const Action* actionOn(net::Transport transport, const net::Endpoint& internal) const;
    // Actions whose session ended while connections through them lived.
    std::size_t detachedActions() const noexcept { return detached_.size(); }
    // The server addresses of the primary connections followed: the conntrack events of
    // flows to them must reach onFlow().
    std::vector<net::Address> followedServers() const;
    // Tries again to remove what the kernel refused before (see Service::retire).
    std::optional<Error> retryRemovals() { return service_.retryRetired(); }
    bool removalsPending() const noexcept { return service_.retiring() > 0; }
    // Redirects programmed in the kernel: those of actions that still hold their port, and
    // those whose removal the kernel refused and the Service retries.
    std::size_t activeRedirects() const noexcept { return tracker_.routes() + service_.retiring(); }

private:
    using Deadline = std::pair<std::chrono::steady_clock::time_point, ActionId>;

    static void append(SessionEnd& all, SessionEnd end);
    Opened openGroup(Session& session, Request request, bool requireExpectation);
    void hangExpectations(const Session& session, const RedirectGroup& group);
    Session& sessionOrThrow(SessionId id);
    void checkActionQuota(const Owner& owner, std::size_t more) const;
    static std::size_t countOf(const std::map<unsigned, std::size_t>& counts, unsigned key);
    static void uncount(std::map<unsigned, std::size_t>& counts, unsigned key, std::size_t how);
    void checkProtocol(const std::string& guid, const Request& request) const;
    void applyDefaults(const Session& session, Request& request) const;
    std::vector<ActionId> createActions(Session& session, const RedirectGroup& group,
                                        const Request& request);
    void settle(Action& action, Notices& notices);
    static ActionNews newsOf(const Action& action);
    ActionEnded endedOf(const Action& action, EndReason reason) const;
    // Every state change goes here: an action that stops permitting stops counting against
    // its owner's quota.
    void setState(Action& action, ActionState state);
    void uncountAction(Action& action);
    // Ends a permission that is still open (Expired(reason), State cancelled) and withdraws
    // its kernel state; then finishes it if nothing lives through it.
    void endPermission(Action& action, EndReason reason, Notices& notices);
    // An action that admits nothing more and through which nothing lives leaves: its kernel
    // state and held port go, its owner is told (notices.finished).
    void finishIfDone(Action& action, Notices& notices);
    void forget(Action& action);
    // Removes what the kernel holds for the action (DNAT, permission, expectation); its port
    // goes back, or is held while connections through it live. What the kernel refuses is
    // retried by the Service; its error goes into notices for the log.
    void withdraw(Action& action, Notices& notices);
    void removeExpectation(const Action& action);
    bool holdsPort(const Action& action) const;
    void clearDeadline(Action& action);
    // An attached or detached action; nullptr if it left.
    Action* anyAction(ActionId id);
    const PrimaryConnection* primaryOf(const Action& action) const;

    // UDP connections a resync reported closed whose DESTROY may still come; past this
    // many, a late DESTROY of the oldest would report its connection a second time.
    static constexpr std::size_t EndedByResyncCapacity = 65536;

    // SessionRegistryEvents.cpp
    void flowSeen(const Flow& flow, Notices& notices);
    void flowGone(const Flow& flow, Notices& notices);
    bool relayedPort(const Flow& flow);
    void track(const Flow& flow, bool relayed, Notices& notices);
    void untrack(const Flow& flow, Notices& notices);
    void unseenFlowGone(const Flow& flow, Notices& notices);
    // An update event that says the TCP connection is over: its counters are read now.
    Flow withCountersNow(const Flow& flow, Notices& notices);
    void removeStale(const Flow& flow, Notices& notices);
    bool wentThrough(const Action& action, const Flow& flow) const;
    void admitted(Action& action, Notices& notices);
    void established(Action& action, TrackedFlow& tracked, Notices& notices);
    void closed(const TrackedFlow& tracked, const Flow& last, Notices& notices);
    void expectationGone(Action& action, const Expectation& expectation, Notices& notices);
    void awaitConnection(Action& action);
    void primaryClosed(const PrimaryConnection& primary, Notices& notices);
    void endWithPrimary(Session& session, Notices& notices);
    void follow(const Session& session);
    void unfollow(const Session& session);
    static FlowKey keyOf(const PrimaryConnection& primary);
    void resyncExpectations(const std::vector<Expectation>& present, Notices& notices);
    Action* expectedActionOf(const Expectation& expectation);

    Service& service_;
    FlowTable& flows_;
    PortFlows& portFlows_;
    ExpectationBackend& expectations_;
    const ProtocolRegistry& protocols_;
    const Clock& clock_;
    SessionLimits limits_;
    std::map<SessionId, Session> sessions_;
    std::map<ActionId, Action> actions_;
    std::map<ActionId, Action> detached_;
    // The primaries followed, by their tuple, and the sessions on each.
    std::map<FlowKey, std::set<SessionId>> followed_;
    std::set<Deadline> deadlines_;
    std::map<std::string, std::size_t> actionsPerOwner_;
    std::map<unsigned, std::size_t> sessionsPerUid_;
    std::map<unsigned, std::size_t> actionsPerUid_;
    ConnectionTracker tracker_;
    EndedFlows endedByResync_{EndedByResyncCapacity};
    SessionId nextSession_ = 1;
    ActionId nextAction_ = 1;
    ConnectionId nextConnection_ = 1;
};

} // namespace fwx::redirect
