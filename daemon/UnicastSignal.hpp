#pragma once

#include <string>
#include <utility>

#include <sdbus-c++/sdbus-c++.h>

namespace fwx::daemon {

// Sends a signal to one peer only. Signals about actions carry connection details, so they
// go to the session owner and never to every listener on the bus (the generated emit*()
// methods broadcast).
template <typename... Args>
void emitUnicast(sdbus::IObject& object, const std::string& interface, const std::string& member,
                 const std::string& destination, Args&&... args) {
    sdbus::Signal signal = object.createSignal(interface, member);
    (signal << ... << std::forward<Args>(args));
    signal.setDestination(destination);
    object.emitSignal(signal);
}

} // namespace fwx::daemon
