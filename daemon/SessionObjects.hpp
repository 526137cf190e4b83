#pragma once

#include "daemon/Authorizer.hpp"
#include "daemon/BusArguments.hpp"
#include "daemon/Callers.hpp"
#include "daemon/EventLoop.hpp"
#include "daemon/Timer.hpp"
#include "redirect/SessionRegistry.hpp"

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

namespace fwx::daemon {

class ActionObject;
class SessionObject;

// The session and action objects on the bus, kept in step with the SessionRegistry: the
// registry decides, the objects follow, the owner is told (unicast), and one timer follows
// the earliest deadline. The adaptors call in here once they know their caller may.
class SessionObjects {
public:
    using Opened = std::tuple<std::string, std::uint16_t, std::vector<sdbus::ObjectPath>>;

    SessionObjects(EventLoop& loop, sdbus::IConnection& connection,
                   redirect::SessionRegistry& registry, const Authorizer& authorizer,
                   Callers& callers);
    ~SessionObjects();
    SessionObjects(const SessionObjects&) = delete;
    SessionObjects& operator=(const SessionObjects&) = delete;

    // The caller of the method being dispatched, if it may use fwxd at all. Throws
    // fwx::Error(AccessDenied).
    Caller authorize(const std::string& what);
    // The same, and it owns the session (or is root).
    Caller authorizeOwner(redirect::SessionId session, const std::string& what);

    sdbus::ObjectPath openSession(const Caller& caller, redirect::SessionOptions options);
    Opened redirect(redirect::SessionId session, RedirectArguments arguments,
                    const std::string& protocolGuid);
    void closeSession(redirect::SessionId session);
    void cancel(redirect::ActionId action);
    void ownerVanished(const std::string& name);

    // Kernel events, handed to the registry; what it decides goes to the session owners.
    void onFlow(const redirect::FlowEvent& event);
    void onExpectation(const redirect::ExpectationEvent& event);
    void resync(const redirect::ConntrackSnapshot& snapshot);

    const redirect::SessionRegistry& registry() const noexcept { return registry_; }
    const Authorizer& authorizer() const noexcept { return authorizer_; }
    std::vector<sdbus::ObjectPath> sessionPaths() const;

private:
    void addActions(const std::vector<redirect::ActionId>& ids,
                    const std::optional<sdbus::Variant>& context);
    void apply(const std::vector<redirect::ActionEnded>& ended);
    void apply(const redirect::SessionRegistry::SessionEnd& end);
    void apply(const redirect::Notices& notices);
    void dropSession(redirect::SessionId id);
    // Keeps an object that left the registry until the current dispatch is over.
    void bury(std::shared_ptr<void> object);
    void onDeadline();
    void rearm();

    EventLoop& loop_;
    sdbus::IConnection& connection_;
    redirect::SessionRegistry& registry_;
    const Authorizer& authorizer_;
    Callers& callers_;
    std::map<redirect::SessionId, std::unique_ptr<SessionObject>> sessions_;
    std::map<redirect::ActionId, std::unique_ptr<ActionObject>> actions_;
    std::map<std::string, bool> allowed_; // bus connection -> may it use fwxd
    std::vector<std::shared_ptr<void>> graveyard_;
    Timer timer_;
};

} // namespace fwx::daemon
