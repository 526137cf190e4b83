#include "daemon/ActionObject.hpp"

#include "daemon/BusErrors.hpp"
#include "daemon/ObjectPaths.hpp"
#include "daemon/UnicastSignal.hpp"
#include "error/Error.hpp"

#include <chrono>
#include <map>
#include <utility>
#include <vector>

namespace fwx::daemon {

ActionObject::ActionObject(sdbus::IConnection& connection, redirect::ActionId id,
                           SessionObjects& sessions, std::optional<sdbus::Variant> context)
    : AdaptorInterfaces(connection, actionPath(id))
    , id_(id)
    , sessions_(sessions)
    , context_(std::move(context)) {
    registerAdaptor();
}

ActionObject::~ActionObject() {
    unregisterAdaptor();
}

void ActionObject::emitExpired(const std::string& owner, std::string_view reason) {
    emitUnicast(getObject(), INTERFACE_NAME, "Expired", owner, std::string(reason));
}

void ActionObject::emitStateChanged(const std::string& owner) {
    const redirect::Action* action = sessions_.registry().action(id_);
    if (action == nullptr) {
        return;
    }
    const std::map<std::string, sdbus::Variant> changed{
        {"State", sdbus::Variant(std::string(redirect::toString(action->state)))}};
    emitUnicast(getObject(), "org.freedesktop.DBus.Properties", "PropertiesChanged", owner,
                std::string(INTERFACE_NAME), changed, std::vector<std::string>{});
}

void ActionObject::Cancel() {
    translatingErrors([&] {
        const redirect::Action& action = readable();
        sessions_.authorizeOwner(action.session, "cancel action " + std::to_string(id_));
        sessions_.cancel(id_);
    });
}

const redirect::Action& ActionObject::readable() {
    sessions_.authorize("read action " + std::to_string(id_));
    const redirect::Action* action = sessions_.registry().action(id_);
    if (action == nullptr) {
        throw unknownObject("action " + std::to_string(id_) + " is gone");
    }
    return *action;
}

template <typename Getter> auto ActionObject::read(Getter&& getter) {
    return translatingErrors([&] { return getter(readable()); });
}

std::string ActionObject::InternalAddress() {
    return read([](const redirect::Action& a) { return a.redirect.internal.address.toString(); });
}

uint16_t ActionObject::InternalPort() {
    return read([](const redirect::Action& a) { return a.redirect.internal.port; });
}

std::string ActionObject::ConnectAddress() {
    return read([](const redirect::Action& a) { return a.redirect.target.address.toString(); });
}

uint16_t ActionObject::ConnectPort() {
    return read([](const redirect::Action& a) { return a.redirect.target.port; });
}

std::string ActionObject::ProxyExternalAddress() {
    return read([](const redirect::Action& a) {
        return a.redirect.snatSource ? a.redirect.snatSource->toString() : std::string();
    });
}

std::string ActionObject::Protocol() {
    return read(
        [](const redirect::Action& a) { return std::string(net::toString(a.redirect.transport)); });
}

uint32_t ActionObject::Flags() {
    return read([](const redirect::Action& a) { return a.flags; });
}

// User mode (NO_KERNEL_MODE, data filters) is refused until the relay exists.
std::string ActionObject::Mode() {
    return read([](const redirect::Action&) { return std::string("kernel"); });
}

bool ActionObject::Expected() {
    return read([](const redirect::Action&) { return false; });
}

std::string ActionObject::State() {
    return read([](const redirect::Action& a) { return std::string(redirect::toString(a.state)); });
}

uint64_t ActionObject::ExpiresAt() {
    return read([](const redirect::Action& a) -> uint64_t {
        if (!a.expiresAt) {
            return 0;
        }
        const auto usec =
            std::chrono::duration_cast<std::chrono::microseconds>(a.expiresAt->time_since_epoch());
        return static_cast<uint64_t>(usec.count());
    });
}

uint32_t ActionObject::Connections() {
    return read([](const redirect::Action& a) { return a.connections; });
}

} // namespace fwx::daemon
