#pragma once

#include <functional>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

namespace fwx::daemon {

// Tells when a bus peer disconnects (NameOwnerChanged for a unique name with no new
// owner), so that what it owns can go with it. The bus delivers the signal after every
// message the peer sent, so a session it opened just before leaving is seen first.
class NameWatcher {
public:
    using Handler = std::function<void(const std::string& uniqueName)>;
    // Throws sdbus::Error.
    NameWatcher(sdbus::IConnection& connection, Handler onVanished);
    NameWatcher(const NameWatcher&) = delete;
    NameWatcher& operator=(const NameWatcher&) = delete;

private:
    void onNameOwnerChanged(sdbus::Message& message);

    Handler onVanished_;
    sdbus::Slot match_;
};

} // namespace fwx::daemon
