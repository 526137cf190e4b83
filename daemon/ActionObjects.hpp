#pragma once

#include "daemon/SdBus.hpp"
#include "daemon/SignalQueue.hpp"
#include "redirect/Action.hpp"
#include "redirect/Notices.hpp"

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <sdbus-c++/sdbus-c++.h>
#include <systemd/sd-bus.h>

namespace fwx::daemon {

class SessionObjects;

// org.fwxd.Action1 at /org/fwxd/Firewall1/action/N, for every action at once: one sd-bus
// fallback vtable with an object-find callback, as systemd serves its units. An action
// costs the bus nothing until someone asks for it (one registered object per action cost
// ~7 KB each, most of fwxd's memory at 10^5 redirects); an action object exists exactly
// while the registry holds the action. Properties are read from the registry on every
// call, after the caller has been checked; signals go to the session owner only.
class ActionObjects {
public:
    // Registers the vtable and the node enumerator on connection. Throws fwx::Error.
    ActionObjects(EventLoop& loop, sdbus::IConnection& connection, SessionObjects& sessions);
    ActionObjects(const ActionObjects&) = delete;
    ActionObjects& operator=(const ActionObjects&) = delete;

    // What the bus shows of a new group of actions besides the registry's view of them,
    // kept until its last action has finished: the requester's Context option, echoed in
    // every Established and Closed, and why the actions are not expectation-backed (the
    // registry's note: it only goes to the log otherwise).
    void keepGroup(redirect::GroupId group, std::size_t actions,
                   const std::optional<sdbus::Variant>& context, std::string noExpectationReason);
    void finished(const redirect::ActionFinished& finished);

    // Each signal to its owner only. Throw fwx::Error(Failed) if sd-bus cannot send it.
    void emitExpired(const redirect::ActionEnded& end);
    void emitConnection(const redirect::ConnectionNotice& notice);
    void emitFinished(const redirect::ActionFinished& finished);
    // Firewall1.RedirectCreated about action to a connect filter's registrant. Sent at once,
    // past the signal queue: it must leave before the RedirectConnections reply does.
    void emitRedirectCreated(const redirect::Action& action, const std::string& destination);
    // PropertiesChanged for State, Connections and ExpiresAt.
    void emitStateChanged(redirect::ActionId id, const std::string& owner);

private:
    struct Group {
        std::optional<sdbus::Variant> context;
        std::string noExpectationReason;
        std::size_t actions = 0; // that have not finished yet
    };

    static int find(sd_bus* bus, const char* path, const char* interface, void* userdata,
                    void** found, sd_bus_error* error);
    static int enumerate(sd_bus* bus, const char* prefix, void* userdata, char*** nodes,
                         sd_bus_error* error);
    static int getProperty(sd_bus* bus, const char* path, const char* interface,
                           const char* property, sd_bus_message* reply, void* userdata,
                           sd_bus_error* error);
    static int cancel(sd_bus_message* call, void* userdata, sd_bus_error* error);

    // The action at path, once the caller has been found allowed to read it.
    const redirect::Action& readable(const char* path);
    // Action1.NoExpectationReason.
    std::string noExpectationReasonOf(const redirect::Action& action) const;
    void appendConnection(sd_bus_message* message, const redirect::ConnectionNotice& notice);
    BusMessage newSignal(redirect::ActionId id, const char* interface, const char* member);
    void send(BusMessage signal, const std::string& owner);

    sd_bus* bus_;
    SessionObjects& sessions_;
    SignalQueue signals_;
    // Lends its message factory to appendVariant(); never registered.
    std::unique_ptr<sdbus::IObject> scratch_;
    // Only groups with a Context or a reason of their own: most have neither.
    std::map<redirect::GroupId, Group> groups_;
    BusSlot vtable_;
    BusSlot enumerator_;
};

} // namespace fwx::daemon
