// Reading a configuration file whole. Internal.
#pragma once

#include <string>

namespace fwx::config {

// The file's contents. Throws fwx::Error(InvalidArgument) "cannot read PATH: <strerror>"
// with errnum() set, and refuses files over 1 MiB (a configuration file is a few lines;
// the limit keeps a wrong path such as /dev/zero from eating memory).
std::string readTextFile(const std::string& path);

} // namespace fwx::config
