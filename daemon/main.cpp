// fwxd: secondary-connection redirects for application proxies, over D-Bus. Everything but
// the command line lives in fwxd-core (Daemon.cpp assembles it).
#include "config/ConfigFile.hpp"
#include "daemon/Daemon.hpp"
#include "daemon/Log.hpp"
#include "error/Error.hpp"
#include "fwx_build_config.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

namespace {

// sysexits.h's: systemd restarts fwxd after a failure (Restart=on-failure), except after
// these two (RestartPreventExitStatus=), which no retry can mend.
constexpr int ExitUsage = 64;  // EX_USAGE: a bad command line
constexpr int ExitConfig = 78; // EX_CONFIG: a bad configuration

struct CommandLine {
    std::string bus = "system";
    std::string config = "/etc/fwxd/fwxd.conf";
};

void describe(CLI::App& app, CommandLine& line) {
    app.description("fwxd opens secondary-connection redirects for application proxies (FTP, "
                    "SIP, H.323, RTSP gateways, media relays) on request over D-Bus, in the "
                    "kernel: nftables NAT maps in table inet fwxd.");
    app.footer("It needs CAP_NET_ADMIN. On SIGTERM or SIGINT it removes every redirect and "
               "exits 0.\nSee fwxd(8), fwxd.conf(5), fwxctl(1).");
    app.add_option("--bus", line.bus,
                   "Bus to serve on: system, session, or a D-Bus address such as "
                   "unix:path=/run/fwxd-lab/bus")
        ->capture_default_str();
    app.add_option("--config", line.config, "Configuration file")->capture_default_str();
    app.set_version_flag("--version", std::string("fwxd ") + FWX_VERSION);
}

int runFwxd(int argc, char** argv) {
    CLI::App app;
    CommandLine line;
    describe(app, line);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version end here too (exit 0); a bad command line is ExitUsage, as
        // fwxd(8) says, not CLI11's own codes.
        return app.exit(e) == 0 ? EXIT_SUCCESS : ExitUsage;
    }

    namespace log = fwx::daemon::log;
    using log::Event;
    // Before anything is logged: under systemd, records go to the journal with their fields.
    log::setSink(log::sinkForStderr());
    try {
        const fwx::config::Config config = fwx::config::loadConfig(line.config);
        fwx::daemon::Daemon daemon(config, line.bus);
        return daemon.run();
    } catch (const fwx::Error& e) {
        log::error(Event::Fatal, {}, "{}", e.what());
        if (e.errnum() == EPERM) {
            log::error(Event::Fatal, {}, "fwxd needs CAP_NET_ADMIN in its network namespace");
        }
        // At start, an invalid argument is the configuration's: a bad value, or a user or
        // group it names that does not exist.
        if (e.code() == fwx::ErrorCode::InvalidArgument) {
            return ExitConfig;
        }
    } catch (const sdbus::Error& e) {
        log::error(Event::Fatal, {}, "D-Bus: {} ({})", e.getMessage(), e.getName());
    }
    return EXIT_FAILURE;
}

} // namespace

// Whatever runFwxd did not expect still ends in a message and a status, not in
// std::terminate (a bad_alloc while logging, say).
int main(int argc, char** argv) {
    try {
        return runFwxd(argc, argv);
    } catch (const std::exception& e) {
        std::fputs("fwxd: ", stderr);
        std::fputs(e.what(), stderr);
        std::fputs("\n", stderr);
    } catch (...) {
        std::fputs("fwxd: an unknown exception\n", stderr);
    }
    return EXIT_FAILURE;
}
