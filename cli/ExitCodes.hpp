// The exit statuses of fwxctl (sysexits.h values), and which D-Bus error gives which.
#pragma once

#include <string_view>

namespace fwx::cli {

enum class ExitCode : int {
    Success = 0,
    Usage = 64,       // EX_USAGE: bad option or argument, found before any D-Bus call
    DataError = 65,   // EX_DATAERR: org.fwxd.Error.InvalidArgument, UnknownProtocol
    Unavailable = 69, // EX_UNAVAILABLE: no bus, or no fwxd on it
    Software = 70,    // EX_SOFTWARE: any other error (Failed, NotSupported, ...)
    TempFail = 75,    // EX_TEMPFAIL: QuotaExceeded, PortsExhausted: try again later
    NoPermission = 77 // EX_NOPERM: org.fwxd.Error.AccessDenied
};

// The exit status for a D-Bus error name, e.g. "org.fwxd.Error.AccessDenied" -> 77.
ExitCode exitCodeFor(std::string_view errorName);

constexpr int toInt(ExitCode code) {
    return static_cast<int>(code);
}

// The table for --help and the man page, one "  N  meaning" line per status.
extern const char* const ExitStatusHelp;

} // namespace fwx::cli
