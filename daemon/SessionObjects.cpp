#include "daemon/SessionObjects.hpp"

#include "daemon/BusErrors.hpp"
#include "daemon/Log.hpp"
#include "daemon/LogFields.hpp"
#include "daemon/ObjectPaths.hpp"
#include "daemon/SessionObject.hpp"
#include "error/Error.hpp"
#include "redirect/ProtocolRegistry.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include <fmt/format.h>
#include <malloc.h>

namespace fwx::daemon {

namespace {

using log::Event;

// "5, 6, 7" for a log line, bounded like the record's ACTION fields.
std::string idList(const std::vector<redirect::ActionId>& ids) {
    const auto shown = static_cast<std::ptrdiff_t>(std::min(ids.size(), log::MaxActionFields));
    std::string list = fmt::format("{}", fmt::join(ids.begin(), ids.begin() + shown, ", "));
    if (ids.size() > log::MaxActionFields) {
        list += fmt::format(" and {} more", ids.size() - log::MaxActionFields);
    }
    return list;
}

void logCreated(const Caller& caller, redirect::SessionId session,
                const redirect::SessionRegistry::Opened& opened, const redirect::Action& first,
                const std::string& protocolGuid) {
    log::Fields fields = sessionFields(session, caller);
    fields.actions = actionPaths(opened.actions);
    if (!protocolGuid.empty()) {
        fields.protocolGuid = redirect::ProtocolRegistry::canonicalGuid(protocolGuid);
    }
    log::info(Event::RedirectCreated, std::move(fields),
              "session {}: {} redirect(s) on {}:{}-{}/{} (group {}){}", session,
              opened.actions.size(), opened.internalAddress.toString(), opened.basePort,
              opened.basePort + opened.actions.size() - 1, net::toString(first.redirect.transport),
              first.group, opened.expected ? ", backed by conntrack expectations" : "");
    if (!opened.expectationNote.empty()) {
        log::info(Event::ExpectationsUnavailable, sessionFields(session, caller),
                  "session {}: nft permissions only, no expectations: {}", session,
                  opened.expectationNote);
    }
}

} // namespace

SessionObjects::SessionObjects(EventLoop& loop, sdbus::IConnection& connection,
                               redirect::SessionRegistry& registry, conntrack::Listener& listener,
                               RelayEventQueue& relayEvents,
                               const redirect::ConnectFilters& filters,
                               const redirect::DataFilters& dataFilters, CallerGrants& grants,
                               Callers& callers)
    : loop_(loop)
    , connection_(connection)
    , registry_(registry)
    , listener_(listener)
    , relayEvents_(relayEvents)
    , filters_(filters)
    , dataFilters_(dataFilters)
    , grants_(grants)
    , callers_(callers)
    , actionObjects_(loop, connection, *this)
    , timer_(loop, [this] { onDeadline(); }) {
    relayEvents_.deliverTo([this](const redirect::FlowEvent& event) { onRelayed(event); });
}

SessionObjects::~SessionObjects() {
    relayEvents_.deliverTo({});
}

Caller SessionObjects::authorize(const std::string& what) {
    Caller caller = callers_.current();
    grants_.known(caller).requireAny(what);
    return caller;
}

Caller SessionObjects::authorizeOwner(redirect::SessionId session, const std::string& what) {
    Caller caller = callers_.current();
    const redirect::Session* owned = registry_.session(session);
    if (owned == nullptr) {
        throw unknownObject("session " + std::to_string(session) + " is closed");
    }
    grants_.known(caller).requireOwner(caller.name, owned->owner.name, what);
    return caller;
}

sdbus::ObjectPath SessionObjects::openSession(const Caller& caller,
                                              redirect::SessionOptions options) {
    if (options.primary) { // before the registry looks it up: its end must not be missed
        listenToPrimaries(options.primary->server.address);
    }
    const redirect::Session& session =
        registry_.openSession({caller.name, caller.uid}, std::move(options));
    const redirect::SessionId id = session.id;
    try {
        sessions_.emplace(id, std::make_unique<SessionObject>(connection_, id, *this));
    } catch (...) {
        // No bus object, no session: the caller gets the error and nothing is left behind.
        registry_.closeSession(id, redirect::EndReason::SessionClosed);
        throw;
    }
    log::info(Event::SessionOpened, sessionFields(id, caller), "session {} opened by {} (uid {}){}",
              id, caller.name, caller.uid,
              session.options.description.empty()
                  ? ""
                  : ": " + log::untrusted(session.options.description));
    return sessionPath(id);
}

SessionObjects::Opened SessionObjects::redirect(const Caller& caller, redirect::SessionId session,
                                                RedirectArguments arguments,
                                                const std::string& protocolGuid) {
    // A data filter of the protocol takes the connections: user mode, handed over.
    arguments.request.handOver = dataFilters_.find(protocolGuid) != nullptr;
    const auto opened = registry_.redirect(session, std::move(arguments.request), protocolGuid,
                                           arguments.requireExpectation);
    addActions(opened, arguments.context);
    tellConnectFilters(opened, protocolGuid);
    rearm();
    std::vector<sdbus::ObjectPath> paths;
    for (const redirect::ActionId id : opened.actions) {
        paths.push_back(actionPath(id));
    }
    logCreated(caller, session, opened, *registry_.action(opened.actions.front()), protocolGuid);
    return {opened.internalAddress.toString(), opened.basePort, std::move(paths)};
}

void SessionObjects::addActions(const redirect::SessionRegistry::Opened& opened,
                                const std::optional<sdbus::Variant>& context) {
    actionObjects_.keepGroup(registry_.action(opened.actions.front())->group, opened.actions.size(),
                             context, opened.expected ? std::string() : opened.expectationNote);
}

// Before the reply: a filter hears of a redirect before any client can be told of it. The
// redirect stands whatever a signal does: a failure is logged, not answered.
void SessionObjects::tellConnectFilters(const redirect::SessionRegistry::Opened& opened,
                                        const std::string& protocolGuid) {
    for (const std::string& owner : filters_.ownersOf(protocolGuid)) {
        for (const redirect::ActionId id : opened.actions) {
            try {
                actionObjects_.emitRedirectCreated(*registry_.action(id), owner);
            } catch (const std::exception& e) {
                log::error(Event::InternalError, {}, "telling connect filter owner {}: {}", owner,
                           e.what());
            }
        }
    }
}

void SessionObjects::emitConnection(const redirect::ConnectionNotice& notice) {
    actionObjects_.emitConnection(notice);
    for (const std::string& owner : filters_.ownersOf(notice.protocolGuid)) {
        if (owner != notice.owner) {
            redirect::ConnectionNotice copy = notice;
            copy.owner = owner;
            actionObjects_.emitConnection(copy);
        }
    }
}

// The registry and the kernel first, the bus object next, the signals last: a signal that
// cannot be sent leaves nothing half-closed.
void SessionObjects::closeSession(const Caller& caller, redirect::SessionId session) {
    receivePendingEvents(); // what the kernel admitted until now is used, not cancelled
    const redirect::SessionRegistry::SessionEnd end =
        registry_.closeSession(session, redirect::EndReason::SessionClosed);
    dropSession(session);
    rearm();
    log::info(Event::SessionClosed, sessionFields(session, caller), "session {} closed", session);
    listenToPrimaries();
    apply(end);
}

void SessionObjects::cancel(const Caller& caller, redirect::ActionId action) {
    receivePendingEvents(); // what the kernel admitted until now is used, not cancelled
    if (registry_.action(action) == nullptr) {
        throw unknownObject(actionPath(action) + " is gone"); // it finished meanwhile
    }
    const redirect::SessionId session = registry_.action(action)->session;
    redirect::Notices notices = registry_.cancel(action);
    apply(notices.ended); // its Expired, without a second record: the one below says it
    notices.ended.clear();
    apply(notices);
    rearm();
    log::Fields fields = sessionFields(session, caller);
    fields.actions = {actionPath(action)};
    log::info(Event::RedirectEnded, std::move(fields), "action {} cancelled", action);
}

void SessionObjects::ownerVanished(const std::string& name) {
    callers_.forget(name);
    grants_.forget(name);
    const redirect::SessionRegistry::SessionEnd end = registry_.ownerVanished(name);
    if (end.sessions.empty()) {
        return;
    }
    for (const redirect::SessionId id : end.sessions) {
        dropSession(id);
    }
    rearm();
    // A record per session, so that `journalctl SESSION=...` finds how each one ended.
    for (const redirect::SessionId id : end.sessions) {
        log::info(Event::SessionClosed, ownedFields(id, {}, name),
                  "session {} closed: its owner {} left the bus", id, name);
    }
    listenToPrimaries();
    apply(end);
}

void SessionObjects::apply(const redirect::SessionRegistry::SessionEnd& end) {
    for (const Error& error : end.cleanupErrors) {
        log::error(Event::KernelFailure, {},
                   "removing a closed session's redirects: {} (fwxd keeps trying)", error.what());
    }
    apply(end.ended);
    for (const redirect::ActionFinished& finished : end.finished) {
        actionObjects_.finished(finished);
    }
    // A large teardown leaves tens of MB free in the heap (the session's bookkeeping, the
    // netlink batches, the signals); glibc keeps them unless asked. A firewall that closed
    // a 100,000-redirect session should not look as if it still held it.
    constexpr std::size_t LargeTeardown = 10'000;
    if (end.ended.size() >= LargeTeardown) {
        ::malloc_trim(0);
    }
}

void SessionObjects::apply(const std::vector<redirect::ActionEnded>& ended) {
    for (const redirect::ActionEnded& end : ended) {
        if (end.notify) {
            actionObjects_.emitExpired(end);
        }
    }
}

void SessionObjects::dropSession(redirect::SessionId id) {
    const auto it = sessions_.find(id);
    if (it != sessions_.end()) {
        bury(std::move(it->second));
        sessions_.erase(it);
    }
}

void SessionObjects::bury(std::shared_ptr<void> object) {
    if (graveyard_.empty()) {
        loop_.defer([this] { graveyard_.clear(); });
    }
    graveyard_.push_back(std::move(object));
}

// The events queued until now tell whether a permission was used before its deadline.
void SessionObjects::onDeadline() {
    receivePendingEvents();
    apply(registry_.expireDue());
    retryRemovals();
    rearm();
}

void SessionObjects::receivePendingEvents() {
    relayEvents_.drain();
    try {
        listener_.receiveFlows(*this);
        listener_.receiveExpectations(*this);
    } catch (const std::exception& e) {
        log::error(Event::KernelFailure, {}, "reading conntrack events: {}", e.what());
    }
}

// A filter the kernel refuses keeps the previous one: the events of a new primary's server
// may then be missed, and its session's permissions do not end with it.
void SessionObjects::listenToPrimaries(std::optional<net::Address> more) {
    std::vector<net::Address> servers = registry_.followedServers();
    if (more) {
        servers.push_back(*more);
    }
    try {
        listener_.alsoDestinations(std::move(servers));
    } catch (const std::exception& e) {
        log::error(Event::KernelFailure, {}, "widening the conntrack event filter: {}", e.what());
    }
}

void SessionObjects::retryRemovals() {
    if (!nextRetry_ || *nextRetry_ > std::chrono::steady_clock::now()) {
        return;
    }
    const std::size_t before = registry_.activeRedirects();
    if (const auto refusal = registry_.retryRemovals()) {
        log::error(Event::KernelFailure, {},
                   "removing redirects the kernel refused before: {} (fwxd keeps trying)",
                   refusal->what());
    } else {
        log::info(Event::KernelRecovered, {},
                  "removed the {} redirect(s) the kernel had refused to remove",
                  before - registry_.activeRedirects());
    }
}

void SessionObjects::onFlow(const redirect::FlowEvent& event) {
    apply(registry_.onFlow(event));
    rearm();
}

void SessionObjects::onRelayed(const redirect::FlowEvent& event) {
    apply(registry_.onRelayed(event));
    rearm();
}

void SessionObjects::onExpectation(const redirect::ExpectationEvent& event) {
    apply(registry_.onExpectation(event));
    rearm();
}

void SessionObjects::onResync(const redirect::ConntrackSnapshot& snapshot) {
    log::warning(Event::EventsLost, {},
                 "conntrack events were lost (the event socket's buffer overflowed): "
                 "resynchronising from a dump of {} connection(s) and {} expectation(s), "
                 "resync #{}; if this repeats, raise EventBufferBytes in fwxd.conf",
                 snapshot.flows.size(), snapshot.expectations.size(), listener_.resyncs());
    resync(snapshot);
}

void SessionObjects::resync(const redirect::ConntrackSnapshot& snapshot) {
    apply(registry_.resync(snapshot));
    rearm();
}

// Established and Closed first, then Expired, the properties that changed, and Finished.
// An action object is on the bus exactly while the registry holds its action attached.
void SessionObjects::apply(const redirect::Notices& notices) {
    for (const Error& error : notices.errors) {
        log::error(Event::KernelFailure, {}, "{}", error.what());
    }
    for (const redirect::ConnectionNotice& notice : notices.connections) {
        logConnection(notice);
        emitConnection(notice);
    }
    logEnded(notices.ended);
    apply(notices.ended);
    for (const redirect::ActionId id : notices.changed) {
        if (const redirect::Action* action = registry_.action(id)) {
            actionObjects_.emitStateChanged(id, action->owner.name);
        }
    }
    for (const redirect::ActionFinished& finished : notices.finished) {
        if (finished.notify) {
            actionObjects_.emitFinished(finished);
        }
        actionObjects_.finished(finished);
    }
}

void SessionObjects::logConnection(const redirect::ConnectionNotice& notice) {
    const redirect::Flow& flow = notice.flow;
    log::Fields fields = ownedFields(notice.session, {actionPath(notice.action)}, notice.owner);
    if (notice.kind == redirect::ConnectionNotice::Kind::Established) {
        log::info(Event::ConnectionEstablished, std::move(fields),
                  "action {}: {} connection {} -> {} established", notice.action,
                  net::toString(flow.transport), flow.client.toString(), flow.target.toString());
        return;
    }
    log::info(Event::ConnectionClosed, std::move(fields),
              "action {}: {} connection {} -> {} closed after {} ms: {} bytes from the client, {} "
              "from the target",
              notice.action, net::toString(flow.transport), flow.client.toString(),
              flow.target.toString(), notice.duration.count() / 1000, flow.fromClient.bytes,
              flow.fromTarget.bytes);
}

// Ended by a deadline or the kernel: one record per session and reason, since one deadline
// can end thousands of actions at once.
void SessionObjects::logEnded(const std::vector<redirect::ActionEnded>& ended) {
    struct Group {
        std::string owner;
        std::vector<redirect::ActionId> actions;
    };
    std::map<std::pair<redirect::SessionId, redirect::EndReason>, Group> groups;
    for (const redirect::ActionEnded& end : ended) {
        Group& group = groups[{end.session, end.reason}];
        group.owner = end.owner;
        group.actions.push_back(end.action);
    }
    for (const auto& [key, group] : groups) {
        const auto [session, reason] = key;
        log::info(Event::RedirectEnded,
                  ownedFields(session, actionPaths(group.actions), group.owner),
                  "session {}: {} redirect(s) ended ({}): action {}", session, group.actions.size(),
                  redirect::toString(reason), idList(group.actions));
    }
}

// The earliest of: the next deadline (plus the grace), the next retry of refused removals.
void SessionObjects::rearm() {
    auto when = registry_.nextDeadline();
    if (when) {
        *when += SettleGrace;
    }
    if (!registry_.removalsPending()) {
        nextRetry_.reset();
    } else {
        if (!nextRetry_ || *nextRetry_ <= std::chrono::steady_clock::now()) {
            nextRetry_ = std::chrono::steady_clock::now() + RetryInterval;
        }
        when = when ? std::min(*when, *nextRetry_) : *nextRetry_;
    }
    timer_.arm(when);
}

std::vector<sdbus::ObjectPath> SessionObjects::sessionPaths() const {
    std::vector<sdbus::ObjectPath> paths;
    for (const auto& [id, session] : sessions_) {
        paths.push_back(sessionPath(id));
    }
    return paths;
}

} // namespace fwx::daemon
