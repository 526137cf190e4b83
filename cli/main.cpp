// fwxctl: the command line client of fwxd. The commands live in cli/*Command.cpp, the
// command line in cli/CommandLine.cpp; this only turns failures into messages and statuses.
#include "cli/CommandLine.hpp"
#include "cli/ExitCodes.hpp"
#include "cli/Failure.hpp"
#include "error/Error.hpp"

#include <cstdio>
#include <exception>
#include <iostream>

#include <sdbus-c++/sdbus-c++.h>

namespace {

int report(const std::string& name, const std::string& message, fwx::cli::ExitCode code) {
    std::cerr << "fwxctl: " << name << ": " << message << '\n';
    return fwx::cli::toInt(code);
}

int runFwxctl(int argc, char** argv) {
    using fwx::cli::ExitCode;
    CLI::App app;
    fwx::cli::CommandLine line;
    fwx::cli::describe(app, line);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "fwxctl: " << e.what() << "\nRun 'fwxctl --help' for usage.\n";
        return fwx::cli::toInt(ExitCode::Usage);
    }

    try {
        return fwx::cli::runCommand(line);
    } catch (const fwx::cli::Failure& e) {
        return report(e.name(), e.what(), e.code());
    } catch (const sdbus::Error& e) {
        return report(e.getName(), e.getMessage(), fwx::cli::exitCodeFor(e.getName()));
    } catch (const fwx::Error& e) {
        // Arguments are checked while parsing; this is a check that slipped through.
        return report("usage", e.what(), ExitCode::Usage);
    } catch (const std::exception& e) {
        return report("error", e.what(), ExitCode::Software);
    }
}

} // namespace

// Whatever runFwxctl did not expect (a failure while reporting one, say) still ends in a
// message and a status, not in std::terminate.
int main(int argc, char** argv) {
    try {
        return runFwxctl(argc, argv);
    } catch (...) {
        std::fputs("fwxctl: an unexpected error\n", stderr);
        return fwx::cli::toInt(fwx::cli::ExitCode::Software);
    }
}
