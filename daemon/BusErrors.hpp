#pragma once

#include "error/Error.hpp"

#include <exception>
#include <string>

#include <sdbus-c++/Error.h>
#include <sdbus-c++/MethodResult.h>
#include <systemd/sd-bus.h>

namespace fwx::daemon {

// The one place where library errors become D-Bus errors: ErrorCode::PortsExhausted is
// org.fwxd.Error.PortsExhausted, and so on; the message goes to the caller unchanged.
std::string busErrorName(ErrorCode code);
sdbus::Error toBusError(const Error& error);
// For a call that reached an object whose session or action has just ended: the object
// leaves the bus once the current dispatch is over, and to the caller it is already gone.
sdbus::Error unknownObject(const std::string& message);

// Runs a method body and rethrows any fwx::Error as the named D-Bus error, so adaptors
// never translate errors themselves. Anything else is a bug: it becomes
// org.fwxd.Error.Failed with a message that says so, and the daemon keeps running.
template <typename Body> decltype(auto) translatingErrors(Body&& body) {
    try {
        return body();
    } catch (const Error& e) {
        throw toBusError(e);
    } catch (const sdbus::Error&) {
        throw;
    } catch (const std::exception& e) {
        throw sdbus::Error(busErrorName(ErrorCode::Failed),
                           std::string("internal error: ") + e.what());
    }
}

// The same for a method that answers later (org.freedesktop.DBus.Method.Async): result gets
// what body returns, or its error. A reply that cannot be sent (the caller left) is dropped.
template <typename... Results>
void replyError(const sdbus::Result<Results...>& result, const std::exception_ptr& error) noexcept {
    try {
        try {
            translatingErrors([&] { std::rethrow_exception(error); });
        } catch (const sdbus::Error& e) {
            result.returnError(e);
        }
    } catch (...) { // nobody is left to tell
    }
}

template <typename... Results, typename Body>
void replying(const sdbus::Result<Results...>& result, Body&& body) noexcept {
    static_assert(sizeof...(Results) <= 1);
    try {
        if constexpr (sizeof...(Results) == 0) {
            body();
            result.returnResults();
        } else {
            result.returnResults(body());
        }
    } catch (...) {
        replyError(result, std::current_exception());
    }
}

// The same for a handler called by sd-bus itself (ActionObjects): the error goes into
// error, and the return value is what sd-bus expects (negative on error).
int setBusError(sd_bus_error* error, const char* name, const std::string& message);
template <typename Body> int answering(sd_bus_error* error, Body&& body) noexcept {
    try {
        return body();
    } catch (const Error& e) {
        return setBusError(error, busErrorName(e.code()).c_str(), e.what());
    } catch (const sdbus::Error& e) {
        return setBusError(error, e.getName().c_str(), e.getMessage());
    } catch (const std::exception& e) {
        return setBusError(error, busErrorName(ErrorCode::Failed).c_str(),
                           std::string("internal error: ") + e.what());
    }
}

} // namespace fwx::daemon
