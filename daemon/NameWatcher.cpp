#include "daemon/NameWatcher.hpp"

#include <utility>

namespace fwx::daemon {

NameWatcher::NameWatcher(sdbus::IConnection& connection, Handler onVanished)
    : onVanished_(std::move(onVanished))
    , match_(
          connection.addMatch("type='signal',sender='org.freedesktop.DBus',"
                              "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
                              "member='NameOwnerChanged'",
                              [this](sdbus::Message& message) { onNameOwnerChanged(message); })) {
}

void NameWatcher::onNameOwnerChanged(sdbus::Message& message) {
    std::string name;
    std::string oldOwner;
    std::string newOwner;
    message >> name >> oldOwner >> newOwner;
    if (name.starts_with(':') && newOwner.empty()) {
        onVanished_(name);
    }
}

} // namespace fwx::daemon
