// sd-bus beneath sdbus-c++. sdbus-c++ 1.2 keeps its connection's sd_bus to itself (2.0
// exposes it), yet fwxd serves every action object from one sd-bus fallback vtable, which
// only the C API offers. Every message knows its bus, and the sd_bus_message inside an
// sdbus::Message is within reach of a class derived from it: that is all this file uses.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>
#include <systemd/sd-bus.h>

namespace fwx::daemon {

struct BusMessageUnref {
    void operator()(sd_bus_message* message) const noexcept { sd_bus_message_unref(message); }
};
// An sd_bus_message we hold a reference to.
using BusMessage = std::unique_ptr<sd_bus_message, BusMessageUnref>;

struct BusSlotUnref {
    void operator()(sd_bus_slot* slot) const noexcept { sd_bus_slot_unref(slot); }
};
// A registration (vtable, enumerator) that lasts as long as this handle.
using BusSlot = std::unique_ptr<sd_bus_slot, BusSlotUnref>;

// The sd_bus of connection, borrowed: it lives as long as the connection. Throws
// fwx::Error(Failed).
sd_bus* sdBusOf(sdbus::IConnection& connection);

// Appends value to message as a D-Bus variant ('v'). scratch is any sdbus-c++ object of
// the same connection; it lends its message factory. Throws fwx::Error(Failed).
void appendVariant(sd_bus_message* message, const sdbus::Variant& value, sdbus::IObject& scratch);

// A NULL-terminated array of copies of strings, allocated as sd-bus frees it (a node
// enumerator hands one over). Throws fwx::Error(Failed, ENOMEM).
char** newStrv(const std::vector<std::string>& strings);

} // namespace fwx::daemon
