#include "cli/ExitCodes.hpp"

#include <array>

namespace fwx::cli {

namespace {

// Errors that mean "there is no fwxd to talk to (right now)": the bus refused or lost the
// connection, or nobody owns org.fwxd.Firewall1. sd-bus reports local connection failures
// as System.Error.<errno>.
constexpr std::array<std::string_view, 13> UnavailableErrors{
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
    "org.freedesktop.DBus.Error.NoReply",
    "org.freedesktop.DBus.Error.NoServer",
    "org.freedesktop.DBus.Error.NoNetwork",
    "org.freedesktop.DBus.Error.Disconnected",
    "org.freedesktop.DBus.Error.Timeout",
    "org.freedesktop.DBus.Error.TimedOut",
    "org.freedesktop.DBus.Error.FileNotFound",
    "System.Error.ECONNREFUSED",
    "System.Error.ENOENT",
    "System.Error.ECONNRESET",
    "System.Error.EPIPE",
};

constexpr std::string_view SpawnPrefix = "org.freedesktop.DBus.Error.Spawn.";

} // namespace

ExitCode exitCodeFor(std::string_view errorName) {
    // The bus's own AccessDenied is its policy refusing the call: the same for a script.
    if (errorName == "org.fwxd.Error.AccessDenied" ||
        errorName == "org.freedesktop.DBus.Error.AccessDenied") {
        return ExitCode::NoPermission;
    }
    if (errorName == "org.fwxd.Error.InvalidArgument" ||
        errorName == "org.fwxd.Error.UnknownProtocol" ||
        errorName == "org.freedesktop.DBus.Error.UnknownObject") { // e.g. cancel of a gone action
        return ExitCode::DataError;
    }
    if (errorName == "org.fwxd.Error.QuotaExceeded" ||
        errorName == "org.fwxd.Error.PortsExhausted") {
        return ExitCode::TempFail;
    }
    for (const std::string_view name : UnavailableErrors) {
        if (errorName == name) {
            return ExitCode::Unavailable;
        }
    }
    if (errorName.starts_with(SpawnPrefix)) {
        return ExitCode::Unavailable;
    }
    return ExitCode::Software;
}

const char* const ExitStatusHelp =
    "Exit status:\n"
    "  0   success\n"
    "  64  usage error: bad option or argument (nothing was sent)\n"
    "  65  fwxd refused the input: org.fwxd.Error.InvalidArgument, UnknownProtocol, or\n"
    "      an object that does not exist\n"
    "  69  bus or fwxd unavailable (cannot connect, org.fwxd.Firewall1 has no owner)\n"
    "  70  any other error: org.fwxd.Error.Failed, NotSupported, ...\n"
    "  75  temporary: org.fwxd.Error.QuotaExceeded, PortsExhausted\n"
    "  77  permission denied: org.fwxd.Error.AccessDenied (or the bus policy's)\n";

} // namespace fwx::cli
