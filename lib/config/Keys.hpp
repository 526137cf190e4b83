// The sections and keys of fwxd.conf and what each does to Config. Internal.
#pragma once

#include "config/Config.hpp"

#include <span>
#include <string_view>

namespace fwx::config {

struct Key {
    std::string_view section;
    std::string_view name;
    // Parses value into config; throws fwx::Error(InvalidArgument) about the value.
    void (*apply)(Config& config, std::string_view value);
};

// Every key, in the order the documentation lists them.
std::span<const Key> allKeys();

// nullptr when the section has no such key.
const Key* findKey(std::string_view section, std::string_view name);
bool isSection(std::string_view section);

// "InternalAddresses, PortRange, ..." and "[Redirect], [Access]", for messages.
std::string keyNames(std::string_view section);
std::string sectionNames();

} // namespace fwx::config
