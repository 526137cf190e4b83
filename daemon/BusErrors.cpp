#include "daemon/BusErrors.hpp"

namespace fwx::daemon {

std::string busErrorName(ErrorCode code) {
    return "org.fwxd.Error." + std::string(toString(code));
}

sdbus::Error toBusError(const Error& error) {
    return sdbus::Error(busErrorName(error.code()), error.what());
}

sdbus::Error unknownObject(const std::string& message) {
    return sdbus::Error("org.freedesktop.DBus.Error.UnknownObject", message);
}

int setBusError(sd_bus_error* error, const char* name, const std::string& message) {
    return sd_bus_error_set(error, name, message.c_str());
}

} // namespace fwx::daemon
