#pragma once

#include "error/Error.hpp"
#include "redirect/Action.hpp"
#include "redirect/Clock.hpp"
#include "redirect/FlowTable.hpp"
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

// Sessions and their actions on top of the Service: who owns what, quotas, deadlines and
// the state of every action. Pure logic; the bus side turns what its calls return
// (ActionEnded) into signals and objects, and arms one timer for nextDeadline().
class SessionRegistry {
public:
    // What RedirectConnections answers.
    struct Opened {
        net::Address internalAddress;
        std::uint16_t basePort = 0;
        std::vector<ActionId> actions; // in target order
    };
    // What ending a session did. Kernel removals that failed do not keep the session
    // alive: its owner wants it gone; their groups stay with the Service, which retries
    // when it is destroyed, and the caller logs the errors.
    struct SessionEnd {
        std::vector<SessionId> sessions; // the sessions that ended
        std::vector<ActionEnded> ended;
        std::vector<Error> cleanupErrors;
    };

    SessionRegistry(Service& service, FlowTable& flows, const ProtocolRegistry& protocols,
                    const Clock& clock, SessionLimits limits);
    SessionRegistry(const SessionRegistry&) = delete;
    SessionRegistry& operator=(const SessionRegistry&) = delete;

    // Throws fwx::Error(QuotaExceeded) when the owner has MaxSessionsPerClient sessions.
    const Session& openSession(const Owner& owner, SessionOptions options);
    // One action per target, all programmed in one kernel transaction or none. Without an
    // AllowedSource, only the primary connection's client may connect (anyone if the
    // session has none). Throws fwx::Error: QuotaExceeded, UnknownProtocol, and whatever
    // Service::open throws; nothing is left behind.
    Opened redirect(SessionId session, Request request, const std::string& protocolGuid);
    SessionEnd closeSession(SessionId session, EndReason reason);
    // Every session of an owner that left the bus.
    SessionEnd ownerVanished(const std::string& ownerName);
    // Removes the action and its kernel state. Throws InvalidArgument for an unknown id,
    // Failed if the kernel refuses (the action then stays).
    ActionEnded cancel(ActionId action);

    // The earliest deadline of a pending action, for the caller's timer.
    std::optional<std::chrono::steady_clock::time_point> nextDeadline() const;
    // Settles every action whose deadline has passed: a permission that was used is
    // Consumed (and stays programmed for its connection), one that was not is Expired,
    // removed from the kernel and reported.
    std::vector<ActionEnded> expireDue();

    const Session* session(SessionId id) const;
    const Action* action(ActionId id) const;
    const std::map<SessionId, Session>& sessions() const noexcept { return sessions_; }
    const std::map<ActionId, Action>& actions() const noexcept { return actions_; }
    std::size_t activeRedirects() const noexcept { return service_.activeRedirects(); }

private:
    using Deadline = std::pair<std::chrono::steady_clock::time_point, ActionId>;

    Session& sessionOrThrow(SessionId id);
    void checkActionQuota(const Owner& owner, std::size_t more) const;
    void checkProtocol(const std::string& guid, const Request& request) const;
    void applyDefaults(const Session& session, Request& request) const;
    std::vector<ActionId> createActions(Session& session, const RedirectGroup& group,
                                        const Request& request);
    void settle(Action& action, std::vector<ActionEnded>& ended);
    ActionEnded endedOf(const Action& action, EndReason reason) const;
    void forget(const Action& action);

    Service& service_;
    FlowTable& flows_;
    const ProtocolRegistry& protocols_;
    const Clock& clock_;
    SessionLimits limits_;
    std::map<SessionId, Session> sessions_;
    std::map<ActionId, Action> actions_;
    std::set<Deadline> deadlines_;
    std::map<std::string, std::size_t> actionsPerOwner_;
    SessionId nextSession_ = 1;
    ActionId nextAction_ = 1;
};

} // namespace fwx::redirect
