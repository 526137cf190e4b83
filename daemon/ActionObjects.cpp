#include "daemon/ActionObjects.hpp"

#include "daemon/BusErrors.hpp"
#include "daemon/ObjectPaths.hpp"
#include "daemon/SessionObjects.hpp"
#include "error/Error.hpp"
#include "redirect/ExpectationPlan.hpp"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace fwx::daemon {

namespace {

constexpr const char* Interface = "org.fwxd.Action1";

void check(int r, const char* what) {
    if (r < 0) {
        throwSystemError(what, -r);
    }
}

// "/org/fwxd/Firewall1/action/17" -> 17; none for anything else (also "…/action/017").
std::optional<redirect::ActionId> actionIdOf(std::string_view path) {
    const std::string prefix = std::string(ActionsPath) + "/";
    if (!path.starts_with(prefix) || path.size() == prefix.size() || path[prefix.size()] == '0') {
        return std::nullopt;
    }
    path.remove_prefix(prefix.size());
    redirect::ActionId id = 0;
    const auto [end, error] = std::from_chars(path.data(), path.data() + path.size(), id);
    if (error != std::errc() || end != path.data() + path.size()) {
        return std::nullopt;
    }
    return id;
}

std::uint64_t
microsecondsSinceEpoch(const std::optional<std::chrono::system_clock::time_point>& at) {
    if (!at) {
        return 0;
    }
    const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(at->time_since_epoch());
    return static_cast<std::uint64_t>(usec.count());
}

// One property of action into reply; see org.fwxd.Action1.xml.
int appendProperty(sd_bus_message* reply, std::string_view name, const redirect::Action& action) {
    const redirect::Redirect& r = action.redirect;
    const auto text = [&](const std::string& value) {
        return sd_bus_message_append(reply, "s", value.c_str());
    };
    if (name == "InternalAddress") {
        return text(r.internal.address.toString());
    }
    if (name == "InternalPort") {
        return sd_bus_message_append(reply, "q", r.internal.port);
    }
    if (name == "ConnectAddress") {
        return text(r.target.address.toString());
    }
    if (name == "ConnectPort") {
        return sd_bus_message_append(reply, "q", r.target.port);
    }
    if (name == "ProxyExternalAddress") {
        return text(r.snatSource ? r.snatSource->toString() : std::string());
    }
    if (name == "Protocol") {
        return text(std::string(net::toString(r.transport)));
    }
    if (name == "Flags") {
        return sd_bus_message_append(reply, "u", action.flags);
    }
    if (name == "Mode") {
        return text(r.userMode ? "user" : "kernel");
    }
    if (name == "Expected") {
        return sd_bus_message_append(reply, "b", static_cast<int>(r.expected));
    }
    if (name == "State") {
        return text(std::string(redirect::toString(action.state)));
    }
    if (name == "ExpiresAt") {
        return sd_bus_message_append(reply, "t", microsecondsSinceEpoch(action.expiresAt));
    }
    if (name == "Connections") {
        return sd_bus_message_append(reply, "u", action.connections);
    }
    return -ENOENT;
}

// {key: value} of an a{sv}; signature is the value's.
template <typename Value>
void appendEntry(sd_bus_message* message, const char* key, const char* signature, Value value) {
    check(sd_bus_message_append(message, "{sv}", key, signature, value), "building a D-Bus signal");
}

} // namespace

ActionObjects::ActionObjects(EventLoop& loop, sdbus::IConnection& connection,
                             SessionObjects& sessions)
    : bus_(sdBusOf(connection))
    , sessions_(sessions)
    , signals_(loop, bus_)
    , scratch_(sdbus::createObject(connection, ActionsPath)) {
    static constexpr auto Const = SD_BUS_VTABLE_PROPERTY_CONST;
    static constexpr auto Changes = SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE;
    static constexpr sd_bus_vtable vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Cancel", "", "", &ActionObjects::cancel, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES("Established", "a{sv}", SD_BUS_PARAM(connection), 0),
        SD_BUS_SIGNAL_WITH_NAMES("Closed", "a{sv}", SD_BUS_PARAM(connection), 0),
        SD_BUS_SIGNAL_WITH_NAMES("Expired", "s", SD_BUS_PARAM(reason), 0),
        SD_BUS_SIGNAL_WITH_NAMES("Finished", "su", SD_BUS_PARAM(state) SD_BUS_PARAM(connections),
                                 0),
        SD_BUS_PROPERTY("InternalAddress", "s", &ActionObjects::getProperty, 0, Const),
        SD_BUS_PROPERTY("InternalPort", "q", &ActionObjects::getProperty, 0, Const),
        SD_BUS_PROPERTY("ConnectAddress", "s", &ActionObjects::getProperty, 0, Const),
        SD_BUS_PROPERTY("ConnectPort", "q", &ActionObjects::getProperty, 0, Const),
        SD_BUS_PROPERTY("ProxyExternalAddress", "s", &ActionObjects::getProperty, 0, Const),
        SD_BUS_PROPERTY("Protocol", "s", &ActionObjects::getProperty, 0, Const),
        SD_BUS_PROPERTY("Flags", "u", &ActionObjects::getProperty, 0, Const),
        SD_BUS_PROPERTY("Mode", "s", &ActionObjects::getProperty, 0, Const),
        SD_BUS_PROPERTY("Expected", "b", &ActionObjects::getProperty, 0, Const),
        SD_BUS_PROPERTY("NoExpectationReason", "s", &ActionObjects::getProperty, 0, Const),
        SD_BUS_PROPERTY("State", "s", &ActionObjects::getProperty, 0, Changes),
        SD_BUS_PROPERTY("ExpiresAt", "t", &ActionObjects::getProperty, 0, Changes),
        SD_BUS_PROPERTY("Connections", "u", &ActionObjects::getProperty, 0, Changes),
        SD_BUS_VTABLE_END,
    };
    sd_bus_slot* slot = nullptr;
    check(sd_bus_add_fallback_vtable(bus_, &slot, ActionsPath, Interface, vtable,
                                     &ActionObjects::find, this),
          "serving org.fwxd.Action1 on the bus");
    vtable_.reset(slot);
    check(sd_bus_add_node_enumerator(bus_, &slot, ActionsPath, &ActionObjects::enumerate, this),
          "listing action objects on the bus");
    enumerator_.reset(slot);
}

int ActionObjects::find(sd_bus* /*bus*/, const char* path, const char* /*interface*/,
                        void* userdata, void** found, sd_bus_error* /*error*/) {
    auto& self = *static_cast<ActionObjects*>(userdata);
    const auto id = actionIdOf(path);
    if (!id || self.sessions_.registry().action(*id) == nullptr) {
        return 0;
    }
    *found = userdata;
    return 1;
}

int ActionObjects::enumerate(sd_bus* /*bus*/, const char* /*prefix*/, void* userdata, char*** nodes,
                             sd_bus_error* error) {
    auto& self = *static_cast<ActionObjects*>(userdata);
    return answering(error, [&] {
        std::vector<std::string> paths;
        paths.reserve(self.sessions_.registry().actions().size());
        for (const auto& [id, action] : self.sessions_.registry().actions()) {
            paths.push_back(actionPath(id));
        }
        *nodes = newStrv(paths);
        return 0;
    });
}

int ActionObjects::getProperty(sd_bus* /*bus*/, const char* path, const char* /*interface*/,
                               const char* property, sd_bus_message* reply, void* userdata,
                               sd_bus_error* error) {
    auto& self = *static_cast<ActionObjects*>(userdata);
    return answering(error, [&] {
        const redirect::Action& action = self.readable(path);
        if (std::string_view(property) == "NoExpectationReason") {
            return sd_bus_message_append(reply, "s", self.noExpectationReasonOf(action).c_str());
        }
        return appendProperty(reply, property, action);
    });
}

int ActionObjects::cancel(sd_bus_message* call, void* userdata, sd_bus_error* error) {
    auto& self = *static_cast<ActionObjects*>(userdata);
    return answering(error, [&] {
        const redirect::Action& action = self.readable(sd_bus_message_get_path(call));
        const redirect::ActionId id = action.id;
        const Caller caller =
            self.sessions_.authorizeOwner(action.session, "cancel action " + std::to_string(id));
        self.sessions_.cancel(caller, id);
        return sd_bus_reply_method_return(call, "");
    });
}

const redirect::Action& ActionObjects::readable(const char* path) {
    const auto id = actionIdOf(path);
    sessions_.authorize("read action " + std::string(path));
    const redirect::Action* action = id ? sessions_.registry().action(*id) : nullptr;
    if (action == nullptr) {
        throw unknownObject(std::string(path) + " is gone");
    }
    return *action;
}

// The registry notes a reason only when the session names its primary connection; without
// one, the reason is always the same, and is not stored for every group.
std::string ActionObjects::noExpectationReasonOf(const redirect::Action& action) const {
    if (action.redirect.expected) {
        return {};
    }
    const auto group = groups_.find(action.group);
    if (group != groups_.end() && !group->second.noExpectationReason.empty()) {
        return group->second.noExpectationReason;
    }
    return std::string(redirect::NoPrimaryObstacle);
}

void ActionObjects::keepGroup(redirect::GroupId group, std::size_t actions,
                              const std::optional<sdbus::Variant>& context,
                              std::string noExpectationReason) {
    if (context || !noExpectationReason.empty()) {
        groups_.insert_or_assign(group, Group{context, std::move(noExpectationReason), actions});
    }
}

void ActionObjects::finished(const redirect::ActionFinished& finished) {
    const auto it = groups_.find(finished.group);
    if (it != groups_.end() && --it->second.actions == 0) {
        groups_.erase(it);
    }
}

BusMessage ActionObjects::newSignal(redirect::ActionId id, const char* interface,
                                    const char* member) {
    sd_bus_message* raw = nullptr;
    check(sd_bus_message_new_signal(bus_, &raw, actionPath(id).c_str(), interface, member),
          "creating a D-Bus signal");
    return BusMessage(raw);
}

void ActionObjects::send(BusMessage signal, const std::string& owner) {
    check(sd_bus_message_set_destination(signal.get(), owner.c_str()), "addressing a D-Bus signal");
    signals_.send(std::move(signal));
}

void ActionObjects::emitExpired(const redirect::ActionEnded& end) {
    BusMessage signal = newSignal(end.action, Interface, "Expired");
    check(sd_bus_message_append(signal.get(), "s",
                                std::string(redirect::toString(end.reason)).c_str()),
          "building a D-Bus signal");
    send(std::move(signal), end.owner);
}

// The keys of Established (and the first of Closed): see org.fwxd.Action1.xml.
void ActionObjects::appendConnection(sd_bus_message* message,
                                     const redirect::ConnectionNotice& notice) {
    const redirect::Flow& flow = notice.flow;
    appendEntry(message, "ConnectionId", "t", notice.connection);
    appendEntry(message, "ClientAddress", "s", flow.client.address.toString().c_str());
    appendEntry(message, "ClientPort", "q", flow.client.port);
    appendEntry(message, "TargetAddress", "s", flow.target.address.toString().c_str());
    appendEntry(message, "TargetPort", "q", flow.target.port);
    appendEntry(message, "SourceAddress", "s", flow.source.address.toString().c_str());
    appendEntry(message, "SourcePort", "q", flow.source.port);
    const auto group = groups_.find(notice.group);
    if (group != groups_.end() && group->second.context) {
        check(sd_bus_message_open_container(message, 'e', "sv"), "building a D-Bus signal");
        check(sd_bus_message_append(message, "s", "Context"), "building a D-Bus signal");
        appendVariant(message, *group->second.context, *scratch_);
        check(sd_bus_message_close_container(message), "building a D-Bus signal");
    }
}

void ActionObjects::emitConnection(const redirect::ConnectionNotice& notice) {
    const bool established = notice.kind == redirect::ConnectionNotice::Kind::Established;
    BusMessage signal = newSignal(notice.action, Interface, established ? "Established" : "Closed");
    sd_bus_message* m = signal.get();
    check(sd_bus_message_open_container(m, 'a', "{sv}"), "building a D-Bus signal");
    appendConnection(m, notice);
    if (!established) {
        const redirect::Flow& flow = notice.flow;
        appendEntry(m, "BytesFromClient", "t", flow.fromClient.bytes);
        appendEntry(m, "PacketsFromClient", "t", flow.fromClient.packets);
        appendEntry(m, "BytesFromTarget", "t", flow.fromTarget.bytes);
        appendEntry(m, "PacketsFromTarget", "t", flow.fromTarget.packets);
        appendEntry(m, "Duration", "t", static_cast<std::uint64_t>(notice.duration.count()));
        if (!flow.endReason.empty()) {
            appendEntry(m, "Reason", "s", flow.endReason.c_str());
        }
    }
    check(sd_bus_message_close_container(m), "building a D-Bus signal");
    send(std::move(signal), notice.owner);
}

// The keys are the action's properties of the same names (org.fwxd.Firewall1.xml).
void ActionObjects::emitRedirectCreated(const redirect::Action& action,
                                        const std::string& destination) {
    sd_bus_message* raw = nullptr;
    check(sd_bus_message_new_signal(bus_, &raw, FirewallPath, "org.fwxd.Firewall1",
                                    "RedirectCreated"),
          "creating a D-Bus signal");
    const BusMessage signal(raw);
    const redirect::Redirect& r = action.redirect;
    check(sd_bus_message_append(raw, "o", actionPath(action.id).c_str()),
          "building a D-Bus signal");
    check(sd_bus_message_open_container(raw, 'a', "{sv}"), "building a D-Bus signal");
    appendEntry(raw, "Session", "o", sessionPath(action.session).c_str());
    appendEntry(raw, "ProtocolGuid", "s", action.protocolGuid.c_str());
    appendEntry(raw, "InternalAddress", "s", r.internal.address.toString().c_str());
    appendEntry(raw, "InternalPort", "q", r.internal.port);
    appendEntry(raw, "ConnectAddress", "s", r.target.address.toString().c_str());
    appendEntry(raw, "ConnectPort", "q", r.target.port);
    appendEntry(raw, "ProxyExternalAddress", "s",
                r.snatSource ? r.snatSource->toString().c_str() : "");
    appendEntry(raw, "Protocol", "s", std::string(net::toString(r.transport)).c_str());
    appendEntry(raw, "Flags", "u", action.flags);
    appendEntry(raw, "Mode", "s", r.userMode ? "user" : "kernel");
    check(sd_bus_message_close_container(raw), "building a D-Bus signal");
    check(sd_bus_message_set_destination(raw, destination.c_str()), "addressing a D-Bus signal");
    check(sd_bus_send(bus_, raw, nullptr), "sending a D-Bus signal");
}

void ActionObjects::emitFinished(const redirect::ActionFinished& finished) {
    BusMessage signal = newSignal(finished.action, Interface, "Finished");
    check(sd_bus_message_append(signal.get(), "su",
                                std::string(redirect::toString(finished.state)).c_str(),
                                finished.connections),
          "building a D-Bus signal");
    send(std::move(signal), finished.owner);
}

void ActionObjects::emitStateChanged(redirect::ActionId id, const std::string& owner) {
    const redirect::Action* action = sessions_.registry().action(id);
    if (action == nullptr) {
        return;
    }
    BusMessage signal = newSignal(id, "org.freedesktop.DBus.Properties", "PropertiesChanged");
    sd_bus_message* m = signal.get();
    check(sd_bus_message_append(m, "s", Interface), "building a D-Bus signal");
    check(sd_bus_message_open_container(m, 'a', "{sv}"), "building a D-Bus signal");
    appendEntry(m, "State", "s", std::string(redirect::toString(action->state)).c_str());
    appendEntry(m, "Connections", "u", action->connections);
    appendEntry(m, "ExpiresAt", "t", microsecondsSinceEpoch(action->expiresAt));
    check(sd_bus_message_close_container(m), "building a D-Bus signal");
    check(sd_bus_message_append(m, "as", 0), "building a D-Bus signal");
    send(std::move(signal), owner);
}

} // namespace fwx::daemon
