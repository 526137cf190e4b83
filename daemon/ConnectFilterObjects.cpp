#include "daemon/ConnectFilterObjects.hpp"

#include "daemon/BusErrors.hpp"
#include "daemon/Log.hpp"
#include "daemon/LogFields.hpp"
#include "daemon/SessionObjects.hpp"
#include "error/Error.hpp"

#include <utility>

namespace fwx::daemon {

namespace {

sdbus::ObjectPath filterPath(redirect::FilterId id) {
    return sdbus::ObjectPath("/org/fwxd/Firewall1/filter/" + std::to_string(id));
}

} // namespace

ConnectFilterObject::ConnectFilterObject(sdbus::IConnection& connection, redirect::FilterId id,
                                         ConnectFilterObjects& filters)
    : AdaptorInterfaces(connection, filterPath(id))
    , id_(id)
    , filters_(filters) {
    registerAdaptor();
}

ConnectFilterObject::~ConnectFilterObject() {
    unregisterAdaptor();
}

void ConnectFilterObject::Unregister() {
    translatingErrors([&] { filters_.unregister(id_); });
}

std::string ConnectFilterObject::ProtocolGuid() {
    return translatingErrors([&] { return filters_.readable(id_).protocolGuid; });
}

std::string ConnectFilterObject::Owner() {
    return translatingErrors([&] { return filters_.readable(id_).owner.name; });
}

ConnectFilterObjects::ConnectFilterObjects(EventLoop& loop, sdbus::IConnection& connection,
                                           redirect::ConnectFilters& filters,
                                           SessionObjects& sessions)
    : loop_(loop)
    , connection_(connection)
    , filters_(filters)
    , sessions_(sessions) {
}

sdbus::ObjectPath ConnectFilterObjects::add(const Caller& caller, const std::string& protocolGuid) {
    const redirect::ConnectFilter& filter = filters_.add({caller.name, caller.uid}, protocolGuid);
    try {
        objects_.emplace(filter.id,
                         std::make_unique<ConnectFilterObject>(connection_, filter.id, *this));
    } catch (...) {
        filters_.remove(filter.id);
        throw;
    }
    log::info(log::Event::None, callerFields(caller, filter.protocolGuid),
              "connect filter {} on protocol {} registered by {} (uid {})", filter.id,
              filter.protocolGuid, caller.name, caller.uid);
    return filterPath(filter.id);
}

void ConnectFilterObjects::unregister(redirect::FilterId id) {
    const redirect::ConnectFilter& filter = readable(id);
    const Caller caller = sessions_.authorize("unregister connect filter " + std::to_string(id));
    if (caller.uid != 0 && caller.name != filter.owner.name) {
        throw Error(ErrorCode::AccessDenied, "connect filter " + std::to_string(id) +
                                                 " belongs to " + filter.owner.name +
                                                 ": only it or root may unregister it");
    }
    log::info(log::Event::None, callerFields(caller, filter.protocolGuid),
              "connect filter {} on protocol {} unregistered by {}", id, filter.protocolGuid,
              caller.name);
    drop(id);
}

void ConnectFilterObjects::ownerVanished(const std::string& name) {
    for (const redirect::FilterId id : filters_.ownerVanished(name)) {
        log::info("connect filter {} went with its registrant {}", id, name);
        bury(id);
    }
}

const redirect::ConnectFilter& ConnectFilterObjects::readable(redirect::FilterId id) {
    sessions_.authorize("read connect filter " + std::to_string(id));
    const redirect::ConnectFilter* filter = filters_.find(id);
    if (filter == nullptr) {
        throw unknownObject("connect filter " + std::to_string(id) + " was unregistered");
    }
    return *filter;
}

void ConnectFilterObjects::drop(redirect::FilterId id) {
    filters_.remove(id);
    bury(id);
}

void ConnectFilterObjects::bury(redirect::FilterId id) {
    const auto it = objects_.find(id);
    if (it == objects_.end()) {
        return;
    }
    if (graveyard_.empty()) {
        loop_.defer([this] { graveyard_.clear(); });
    }
    graveyard_.push_back(std::move(it->second));
    objects_.erase(it);
}

} // namespace fwx::daemon
