// fwxctl's command line (CLI11): subcommands, options, help texts, argument checks.
#pragma once

#include "cli/Commands.hpp"

#include <CLI/CLI.hpp>
#include <string>

namespace fwx::cli {

struct CommandLine {
    CommonOptions common;
    RedirectOptions redirect;
    std::string action; // cancel's ACTION
    CLI::App* redirectCommand = nullptr;
    CLI::App* listCommand = nullptr;
    CLI::App* cancelCommand = nullptr;
    CLI::App* statusCommand = nullptr;
    CLI::App* protocolsCommand = nullptr;
};

// Declares every subcommand and option of fwxctl on app, storing into line.
void describe(CLI::App& app, CommandLine& line);

// Runs the subcommand that was parsed; returns the exit status. Errors: see main().
int runCommand(const CommandLine& line);

} // namespace fwx::cli
