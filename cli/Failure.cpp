#include "cli/Failure.hpp"

#include <utility>

namespace fwx::cli {

Failure::Failure(std::string name, const std::string& message)
    : std::runtime_error(message)
    , code_(exitCodeFor(name)) {
    name_ = std::move(name);
}

Failure::Failure(std::string name, const std::string& message, ExitCode code)
    : std::runtime_error(message)
    , name_(std::move(name))
    , code_(code) {
}

} // namespace fwx::cli
