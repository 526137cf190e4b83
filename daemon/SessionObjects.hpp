#pragma once

#include "conntrack/Listener.hpp"
#include "daemon/ActionObjects.hpp"
#include "daemon/BusArguments.hpp"
#include "daemon/CallerGrants.hpp"
#include "daemon/Callers.hpp"
#include "daemon/EventLoop.hpp"
#include "daemon/RelayEventQueue.hpp"
#include "daemon/Timer.hpp"
#include "redirect/ConnectFilters.hpp"
#include "redirect/DataFilters.hpp"
#include "redirect/SessionRegistry.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

namespace fwx::daemon {

class SessionObject;

// The session and action objects on the bus, kept in step with the SessionRegistry: the
// registry decides, the objects follow, the owner is told (unicast), and one timer follows
// the earliest deadline. The adaptors call in here once they know their caller may; the
// conntrack listener hands its events in here too (ConntrackEvents polls its sockets), and
// so do the user-mode relays (through the RelayEventQueue).
class SessionObjects final : public conntrack::Listener::Handler {
public:
    using Opened = std::tuple<std::string, std::uint16_t, std::vector<sdbus::ObjectPath>>;

    // An action is settled this long after its deadline, so that a connection the kernel
    // admitted in the deadline's last moment (element timeouts round up to a jiffy) has
    // been reported by conntrack before fwxd decides whether the permission was used.
    static constexpr std::chrono::milliseconds SettleGrace{50};
    // How often removals the kernel refused are tried again.
    static constexpr std::chrono::seconds RetryInterval{1};

    SessionObjects(EventLoop& loop, sdbus::IConnection& connection,
                   redirect::SessionRegistry& registry, conntrack::Listener& listener,
                   RelayEventQueue& relayEvents, const redirect::ConnectFilters& filters,
                   const redirect::DataFilters& dataFilters, CallerGrants& grants,
                   Callers& callers);
    ~SessionObjects();
    SessionObjects(const SessionObjects&) = delete;
    SessionObjects& operator=(const SessionObjects&) = delete;

    // The caller of the method or property read being dispatched, if it holds any
    // permission (as far as known: this never waits for polkit). Throws
    // fwx::Error(AccessDenied).
    Caller authorize(const std::string& what);
    // The same, and it owns the session (or is root).
    Caller authorizeOwner(redirect::SessionId session, const std::string& what);

    sdbus::ObjectPath openSession(const Caller& caller, redirect::SessionOptions options);
    Opened redirect(const Caller& caller, redirect::SessionId session, RedirectArguments arguments,
                    const std::string& protocolGuid);
    void closeSession(const Caller& caller, redirect::SessionId session);
    void cancel(const Caller& caller, redirect::ActionId action);
    void ownerVanished(const std::string& name);

    // Kernel events, handed to the registry; what it decides goes to the session owners.
    void onFlow(const redirect::FlowEvent& event) override;
    void onExpectation(const redirect::ExpectationEvent& event) override;
    // After lost events: logged, then resync().
    void onResync(const redirect::ConntrackSnapshot& snapshot) override;
    void resync(const redirect::ConntrackSnapshot& snapshot);
    // What the user-mode relays reported, handed in by the RelayEventQueue.
    void onRelayed(const redirect::FlowEvent& event);

    // Destroys the objects of sessions that ended: call it between two messages, when no
    // handler of theirs runs. Until then they are still on the bus, where their property
    // getters fail and would fail a GetManagedObjects that lists them.
    void buryEnded() noexcept { graveyard_.clear(); }

    const redirect::SessionRegistry& registry() const noexcept { return registry_; }
    std::vector<sdbus::ObjectPath> sessionPaths() const;

private:
    void addActions(const redirect::SessionRegistry::Opened& opened,
                    const std::optional<sdbus::Variant>& context);
    // RedirectCreated to the connect filters of the actions' protocol.
    void tellConnectFilters(const redirect::SessionRegistry::Opened& opened,
                            const std::string& protocolGuid);
    // Established or Closed to the session owner and to the protocol's connect filters.
    void emitConnection(const redirect::ConnectionNotice& notice);
    void apply(const std::vector<redirect::ActionEnded>& ended);
    void apply(const redirect::SessionRegistry::SessionEnd& end);
    void apply(const redirect::Notices& notices);
    // The records of what the kernel and the deadlines did (the methods log their own).
    static void logConnection(const redirect::ConnectionNotice& notice);
    static void logEnded(const std::vector<redirect::ActionEnded>& ended);
    void dropSession(redirect::SessionId id);
    // Keeps an object that left the registry until the current message's dispatch is over
    // (buryEnded), or else until the event loop's next turn.
    void bury(std::shared_ptr<void> object);
    void onDeadline();
    void receivePendingEvents();
    // The conntrack events of the followed primaries' servers (and of more, a server about
    // to be followed) must reach the registry: the kernel-side filter follows.
    void listenToPrimaries(std::optional<net::Address> more = std::nullopt);
    void retryRemovals();
    void rearm();

    EventLoop& loop_;
    sdbus::IConnection& connection_;
    redirect::SessionRegistry& registry_;
    conntrack::Listener& listener_;
    RelayEventQueue& relayEvents_;
    const redirect::ConnectFilters& filters_;
    const redirect::DataFilters& dataFilters_;
    CallerGrants& grants_;
    Callers& callers_;
    std::map<redirect::SessionId, std::unique_ptr<SessionObject>> sessions_;
    ActionObjects actionObjects_;
    std::vector<std::shared_ptr<void>> graveyard_;
    Timer timer_;
    std::optional<std::chrono::steady_clock::time_point> nextRetry_;
};

} // namespace fwx::daemon
