#include "daemon/SessionObject.hpp"

#include "daemon/BusErrors.hpp"
#include "daemon/ObjectPaths.hpp"
#include "error/Error.hpp"

namespace fwx::daemon {

SessionObject::SessionObject(sdbus::IConnection& connection, redirect::SessionId id,
                             SessionObjects& sessions)
    : AdaptorInterfaces(connection, sessionPath(id))
    , id_(id)
    , sessions_(sessions) {
    registerAdaptor();
}

SessionObject::~SessionObject() {
    unregisterAdaptor();
}

std::tuple<std::string, uint16_t, std::vector<sdbus::ObjectPath>>
SessionObject::RedirectConnections(const std::vector<ConnectAddress>& connect_addresses,
                                   const std::string& internal_address,
                                   const std::string& proxy_external_address,
                                   const std::string& protocol, const uint32_t& flags,
                                   const std::string& protocol_guid, const Options& options) {
    return translatingErrors([&] {
        const Caller caller =
            sessions_.authorizeOwner(id_, "redirect connections in session " + std::to_string(id_));
        RedirectArguments arguments = parseRedirectArguments(
            connect_addresses, internal_address, proxy_external_address, protocol, flags, options);
        return sessions_.redirect(caller, id_, std::move(arguments), protocol_guid);
    });
}

void SessionObject::Close() {
    translatingErrors([&] {
        const Caller caller = sessions_.authorizeOwner(id_, "close session " + std::to_string(id_));
        sessions_.closeSession(caller, id_);
    });
}

const redirect::Session& SessionObject::readable() {
    sessions_.authorize("read session " + std::to_string(id_));
    const redirect::Session* session = sessions_.registry().session(id_);
    if (session == nullptr) {
        throw unknownObject("session " + std::to_string(id_) + " is closed");
    }
    return *session;
}

std::string SessionObject::Owner() {
    return translatingErrors([&] { return readable().owner.name; });
}

PrimaryConnectionStruct SessionObject::PrimaryConnection() {
    return translatingErrors([&] { return toStruct(readable().options.primary); });
}

std::string SessionObject::Description() {
    return translatingErrors([&] { return readable().options.description; });
}

std::vector<sdbus::ObjectPath> SessionObject::Actions() {
    return translatingErrors([&] {
        std::vector<sdbus::ObjectPath> paths;
        for (const redirect::ActionId id : readable().actions) {
            paths.push_back(actionPath(id));
        }
        return paths;
    });
}

} // namespace fwx::daemon
