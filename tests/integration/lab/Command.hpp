// fwx::test::run: the lab's only way to start a program (ip, nft, conntrack, ...).
//
// No shell is involved: arguments reach the program exactly as given, and a failure
// reports the command line, the exit status and what the program wrote to stderr.
// The child inherits the calling thread's network namespace, so inside Netns::run()
// a command acts on that namespace.
#pragma once

#include "lab/Deadline.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace fwx::test {

struct CommandResult {
    int exitStatus = 0; // the exit code, or 128 + signal number when killed
    std::string out;
    std::string err;
};

// GCC 12 warns about designated initializers that leave members out; tryRun() and
// runWithInput() cover the common cases.
struct CommandOptions {
    std::string input;            // written to the program's stdin (else /dev/null)
    milliseconds timeout{30'000}; // the program is killed after this
    bool throwOnFailure = true;   // throw CommandError on a non-zero exit status
};

class CommandError : public std::runtime_error {
public:
    CommandError(const std::string& message, CommandResult result);
    const CommandResult& result() const noexcept { return result_; }

private:
    CommandResult result_;
};

// Runs argv[0] (looked up in PATH, then /usr/sbin and /sbin) with argv, waits for it and
// returns what it printed. Throws CommandError when it cannot be started, times out or,
// with throwOnFailure, exits non-zero.
CommandResult run(const std::vector<std::string>& argv, const CommandOptions& options = {});
// run() that returns a non-zero exit status instead of throwing.
CommandResult tryRun(const std::vector<std::string>& argv);
// run() with input on the program's stdin.
CommandResult runWithInput(const std::vector<std::string>& argv, std::string input);

// argv as one line for messages, arguments with spaces or quotes single-quoted.
std::string commandLine(const std::vector<std::string>& argv);

// The lines of text, without their '\n'; no trailing empty line.
std::vector<std::string> splitLines(const std::string& text);

} // namespace fwx::test
