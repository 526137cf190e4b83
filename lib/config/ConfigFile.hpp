#pragma once

#include "config/Config.hpp"

#include <string>
#include <string_view>

namespace fwx::config {

// Where fwxd looks for its configuration unless told otherwise.
inline constexpr std::string_view defaultConfigPath = "/etc/fwxd/fwxd.conf";

// Reads and parses the file. Throws fwx::Error(InvalidArgument) when it cannot be read
// ("cannot read PATH: No such file or directory", errnum() set) or is wrong in any way
// parseConfig() refuses.
Config loadConfig(const std::string& path);

// Parses the text of a configuration file; sourceName is the file name for messages.
// Anything not understood is an error, never ignored: a syntax error, an unknown section
// or key, a key given twice, a bad value, values that contradict each other, no
// InternalAddresses. Throws fwx::Error(InvalidArgument) naming the place and the key:
//   fwxd.conf:3: [Redirect] PortRange: port range "41999" is not of the form FIRST-LAST ...
Config parseConfig(std::string_view text, const std::string& sourceName);

} // namespace fwx::config
