#include "cli/CommandLine.hpp"

#include "cli/Arguments.hpp"
#include "cli/ExitCodes.hpp"
#include "fwx_build_config.h"

#include <functional>
#include <string_view>

namespace fwx::cli {

namespace {

// A CLI11 validator from one of cli/Arguments.hpp's checks. The empty description keeps the
// help's type names (ADDR:PORT, ...) free of validator text.
CLI::Validator validator(std::string (*check)(std::string_view)) {
    return CLI::Validator([check](const std::string& text) { return check(text); }, "");
}

void addCommon(CLI::App* command, CommonOptions& common) {
    command
        ->add_option("--bus", common.bus,
                     "Bus fwxd serves on: system, session, or a D-Bus address such as "
                     "unix:path=/run/fwxd-lab/bus")
        ->type_name("BUS")
        ->capture_default_str();
    command->add_flag("--json", common.json, "Machine-readable output (JSON)");
}

const char* const Footer = R"(
Examples:
  fwxctl status
  fwxctl redirect 198.51.100.2:80                  # one TCP redirect, until Ctrl-C
  fwxctl redirect --udp --timeout 30s [2001:db8::5]:5004 [2001:db8::5]:5005
  fwxctl redirect 198.51.100.2:80 --timeout 1s --exit-when-done --json
  fwxctl list --json
  fwxctl protocols
  fwxctl cancel 7
  fwxctl status --bus unix:path=/run/fwxd-lab/bus

)";

void describeRedirect(CLI::App& app, CommandLine& line) {
    RedirectOptions& options = line.redirect;
    CLI::App* command = app.add_subcommand(
        "redirect", "Open redirects to TARGETs and follow them until Ctrl-C/SIGTERM");
    command
        ->add_option("TARGET", options.targets,
                     "Where connections are sent: ADDR:PORT or [V6ADDR]:PORT; one per "
                     "redirect, all of one address family")
        ->type_name("ADDR:PORT")
        ->required()
        ->check(validator(checkEndpoint));
    CLI::Option* tcp =
        command->add_flag("--tcp", options.tcp, "Redirect TCP connections (the default)");
    CLI::Option* udp = command->add_flag("--udp", options.udp, "Redirect UDP flows");
    tcp->excludes(udp);
    command
        ->add_option("--internal", options.internal,
                     "Internal firewall address clients connect to (default: fwxd picks one "
                     "of the targets' family)")
        ->type_name("ADDR")
        ->check(validator(checkAddress));
    command
        ->add_option("--via", options.via,
                     "Local source address of the outbound leg (SNAT); default: none")
        ->type_name("ADDR")
        ->check(validator(checkAddress));
    command
        ->add_option("--timeout", options.timeout,
                     "Each permission expires if no client connects within DURATION: 30s, "
                     "1.5s, 1500ms, 0.25m, 1h, or a number of seconds")
        ->type_name("DURATION")
        ->check(validator(checkDuration));
    command->add_flag("--multiple", options.multiple,
                      "Admit many connections per redirect (default: exactly one)");
    command
        ->add_option("--source", options.source,
                     "Only clients from this address or prefix may connect (default: any)")
        ->type_name("PREFIX")
        ->check(validator(checkPrefix));
    command
        ->add_option("--description", options.description,
                     "Free text shown to administrators (fwxctl list, fwxd's log)")
        ->type_name("TEXT");
    command
        ->add_option("--primary", options.primary,
                     "The primary connection the redirects belong to, as the client opened it "
                     "(before NAT): TRANSPORT,CLIENT:PORT,SERVER:PORT, e.g. "
                     "tcp,192.0.2.2:40000,198.51.100.1:21; only its client may then connect "
                     "(unless --source)")
        ->type_name("PRIMARY")
        ->check(validator(checkPrimary));
    command->add_flag("--exit-when-done", options.exitWhenDone,
                      "Exit 0 once fwxd reported every redirect finished (it admits nothing "
                      "more and every connection through it has ended) instead of waiting for a "
                      "signal");
    addCommon(command, line.common);
    command->footer(std::string(R"(
Opens a session, asks fwxd for one redirect per TARGET on consecutive ports of an internal
firewall address and prints "INTERNAL:PORT -> TARGET  ACTION" for each, then every event as it
happens: established, closed (with their connection details), expired REASON (a cancel too:
expired cancelled), changed State=..., finished STATE connections=N (a redirect's last event:
it admits nothing more and its connections have ended). On Ctrl-C or SIGTERM it closes the
session, prints how each redirect that still admitted connections ended (expired
session-closed) and exits 0.
With --json it prints JSON Lines: an "allocated" object, then one object per event.

Examples:
  fwxctl redirect 198.51.100.2:80
  fwxctl redirect --timeout 30s --multiple --source 203.0.113.0/24 198.51.100.2:20 198.51.100.2:21
  fwxctl redirect --udp --via 192.0.2.1 198.51.100.9:5060
  fwxctl redirect --primary tcp,192.0.2.2:40000,198.51.100.1:21 198.51.100.7:20
  fwxctl redirect --timeout 1.5s --exit-when-done 198.51.100.2:80

)") + ExitStatusHelp);
    line.redirectCommand = command;
}

void describeList(CLI::App& app, CommandLine& line) {
    CLI::App* command = app.add_subcommand("list", "List sessions and their redirects");
    addCommon(command, line.common);
    command->footer(
        std::string("\nLists every session (Owner, PrimaryConnection, Description, ...) "
                    "and all properties of each\nof its actions (State, ExpiresAt, "
                    "Connections, NoExpectationReason, ...), from\n"
                    "ObjectManager.GetManagedObjects. Text the clients chose (a "
                    "Description) is shown quoted,\nwith control characters as \\xNN "
                    "escapes.\n\n") +
        ExitStatusHelp);
    line.listCommand = command;
}

void describeCancel(CLI::App& app, CommandLine& line) {
    CLI::App* command = app.add_subcommand("cancel", "Cancel one redirect");
    command
        ->add_option("ACTION", line.action,
                     "The action: its number N or its path /org/fwxd/Firewall1/action/N")
        ->type_name("ACTION")
        ->required()
        ->check(validator(checkActionPath));
    addCommon(command, line.common);
    command->footer(std::string("\nWithdraws one redirect's permission (Action1.Cancel): no "
                                "further connection is\nadmitted; established ones continue. The "
                                "owner of its session and root may cancel it.\n"
                                "\nExamples:\n  fwxctl cancel 7\n"
                                "  fwxctl cancel /org/fwxd/Firewall1/action/7\n\n") +
                    ExitStatusHelp);
    line.cancelCommand = command;
}

void describeStatus(CLI::App& app, CommandLine& line) {
    CLI::App* command = app.add_subcommand("status", "Show the daemon's version and state");
    addCommon(command, line.common);
    command->footer(std::string("\nShows Version, InternalAddresses, PortRange, the number of "
                                "open sessions and\nActiveRedirects.\n\n") +
                    ExitStatusHelp);
    line.statusCommand = command;
}

void describeProtocols(CLI::App& app, CommandLine& line) {
    CLI::App* command = app.add_subcommand("protocols", "List the registered protocols");
    addCommon(command, line.common);
    command->footer(std::string("\nLists every registered protocol (Firewall1.Protocols): its "
                                "name, primary ports, the kernel\nhelper it attaches and the "
                                "servers that helper reaches, and the uid it belongs to.\n\n") +
                    ExitStatusHelp);
    line.protocolsCommand = command;
}

} // namespace

void describe(CLI::App& app, CommandLine& line) {
    app.name("fwxctl");
    app.description("fwxctl asks fwxd, the firewall's redirect daemon, for secondary-connection "
                    "redirects and shows and cancels them, over D-Bus (org.fwxd.Firewall1).");
    app.footer(std::string(Footer) + ExitStatusHelp + "\nSee fwxctl(1), fwxd(8), fwxd.conf(5).");
    app.require_subcommand(1, 1);
    app.set_version_flag("--version", std::string("fwxctl ") + FWX_VERSION);
    // --bus and --json go before or after the command: `fwxctl --bus X status` too.
    addCommon(&app, line.common);
    describeRedirect(app, line);
    describeList(app, line);
    describeCancel(app, line);
    describeStatus(app, line);
    describeProtocols(app, line);
}

int runCommand(const CommandLine& line) {
    if (line.redirectCommand->parsed()) {
        return runRedirect(line.common, line.redirect);
    }
    if (line.listCommand->parsed()) {
        return runList(line.common);
    }
    if (line.cancelCommand->parsed()) {
        return runCancel(line.common, line.action);
    }
    if (line.protocolsCommand->parsed()) {
        return runProtocols(line.common);
    }
    return runStatus(line.common);
}

} // namespace fwx::cli
