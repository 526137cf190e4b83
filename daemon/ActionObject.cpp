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

namespace {

std::uint64_t
microsecondsSinceEpoch(const std::optional<std::chrono::system_clock::time_point>& at) {
    if (!at) {
        return 0;
    }
    const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(at->time_since_epoch());
    return static_cast<std::uint64_t>(usec.count());
}

// The keys of Established (and the first of Closed): see org.fwxd.Action1.xml.
std::map<std::string, sdbus::Variant> connectionInfo(const redirect::Flow& flow,
                                                     const std::optional<sdbus::Variant>& context) {
    std::map<std::string, sdbus::Variant> info{
        {"ClientAddress", sdbus::Variant(flow.client.address.toString())},
        {"ClientPort", sdbus::Variant(flow.client.port)},
        {"TargetAddress", sdbus::Variant(flow.target.address.toString())},
        {"TargetPort", sdbus::Variant(flow.target.port)},
        {"SourceAddress", sdbus::Variant(flow.source.address.toString())},
        {"SourcePort", sdbus::Variant(flow.source.port)},
    };
    if (context) {
        info.emplace("Context", *context);
    }
    return info;
}

} // namespace

void ActionObject::emitConnection(const redirect::ConnectionNotice& notice) {
    auto info = connectionInfo(notice.flow, context_);
    if (notice.kind == redirect::ConnectionNotice::Kind::Established) {
        emitUnicast(getObject(), INTERFACE_NAME, "Established", notice.owner, info);
        return;
    }
    const redirect::Flow& flow = notice.flow;
    info.emplace("BytesFromClient", sdbus::Variant(flow.fromClient.bytes));
    info.emplace("PacketsFromClient", sdbus::Variant(flow.fromClient.packets));
    info.emplace("BytesFromTarget", sdbus::Variant(flow.fromTarget.bytes));
    info.emplace("PacketsFromTarget", sdbus::Variant(flow.fromTarget.packets));
    info.emplace("Duration", sdbus::Variant(static_cast<std::uint64_t>(notice.duration.count())));
    emitUnicast(getObject(), INTERFACE_NAME, "Closed", notice.owner, info);
}

void ActionObject::emitStateChanged(const std::string& owner) {
    const redirect::Action* action = sessions_.registry().action(id_);
    if (action == nullptr) {
        return;
    }
    const std::map<std::string, sdbus::Variant> changed{
        {"State", sdbus::Variant(std::string(redirect::toString(action->state)))},
        {"Connections", sdbus::Variant(action->connections)},
        {"ExpiresAt", sdbus::Variant(microsecondsSinceEpoch(action->expiresAt))},
    };
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
    return read([](const redirect::Action& a) { return a.redirect.expected; });
}

std::string ActionObject::State() {
    return read([](const redirect::Action& a) { return std::string(redirect::toString(a.state)); });
}

uint64_t ActionObject::ExpiresAt() {
    return read([](const redirect::Action& a) { return microsecondsSinceEpoch(a.expiresAt); });
}

uint32_t ActionObject::Connections() {
    return read([](const redirect::Action& a) { return a.connections; });
}

} // namespace fwx::daemon
