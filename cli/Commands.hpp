// The commands of fwxctl. Each returns the exit status and throws Failure or
// sdbus::Error (main() turns those into a message and a status).
#pragma once

#include <string>
#include <vector>

namespace fwx::cli {

struct CommonOptions {
    std::string bus = "system"; // system, session or a D-Bus address
    bool json = false;
};

// Validated by the command line already (cli/Arguments.hpp).
struct RedirectOptions {
    std::vector<std::string> targets; // ADDR:PORT or [V6ADDR]:PORT
    bool tcp = false;                 // --tcp: the default, accepted for clarity
    bool udp = false;
    std::string internal;    // "" = fwxd picks one
    std::string via;         // proxy external address (SNAT), "" = none
    std::string timeout;     // duration, "" = no TIMEOUT flag
    bool multiple = false;   // ALLOW_MULTIPLE
    std::string source;      // AllowedSource, "" = any
    std::string description; // the session's Description
    std::string primary;     // the session's PrimaryConnection, "" = none (parsePrimary)
    bool exitWhenDone = false;
};

int runRedirect(const CommonOptions& common, const RedirectOptions& options);
int runList(const CommonOptions& common);
int runCancel(const CommonOptions& common, const std::string& action);
int runStatus(const CommonOptions& common);
int runProtocols(const CommonOptions& common);

} // namespace fwx::cli
