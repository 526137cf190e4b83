// The one error fwxctl reports and exits with: a D-Bus error name, a message, a status.
#pragma once

#include "cli/ExitCodes.hpp"

#include <stdexcept>
#include <string>

namespace fwx::cli {

class Failure : public std::runtime_error {
public:
    // The status follows from the name (exitCodeFor) unless given.
    Failure(std::string name, const std::string& message);
    Failure(std::string name, const std::string& message, ExitCode code);

    const std::string& name() const noexcept { return name_; }
    ExitCode code() const noexcept { return code_; }

private:
    std::string name_;
    ExitCode code_;
};

} // namespace fwx::cli
