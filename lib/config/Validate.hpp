// The rules between keys of fwxd.conf, checked once the whole file is read. Internal.
#pragma once

#include "config/Config.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace fwx::config {

// What is wrong, under which key. The loader names the line of `key` if the file set
// it, else that of `otherKey` (the key it contradicts), else no line: both were defaults.
struct Problem {
    std::string_view section;
    std::string_view key;
    std::string_view otherKey;
    std::string message;
};

// The first rule config breaks, or nullopt.
std::optional<Problem> validate(const Config& config);

} // namespace fwx::config
