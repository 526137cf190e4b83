#pragma once

#include "redirect/Action.hpp"

#include <string>

#include <sdbus-c++/sdbus-c++.h>

namespace fwx::daemon {

// The object paths of the contract (DESIGN.md): ids are never reused while fwxd runs.
inline constexpr const char* BusName = "org.fwxd.Firewall1";
inline constexpr const char* FirewallPath = "/org/fwxd/Firewall1";
// The parent of every action object (ActionObjects serves them all).
inline constexpr const char* ActionsPath = "/org/fwxd/Firewall1/action";

inline sdbus::ObjectPath sessionPath(redirect::SessionId id) {
    return sdbus::ObjectPath(std::string(FirewallPath) + "/session/" + std::to_string(id));
}

inline sdbus::ObjectPath actionPath(redirect::ActionId id) {
    return sdbus::ObjectPath(std::string(FirewallPath) + "/action/" + std::to_string(id));
}

} // namespace fwx::daemon
