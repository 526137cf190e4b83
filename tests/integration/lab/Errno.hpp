// fwx::test::errnoText: errno values in lab messages.
#pragma once

#include <string>

namespace fwx::test {

// strerror() plus the symbolic name, e.g. "Connection refused (ECONNREFUSED)".
std::string errnoText(int errnum);

} // namespace fwx::test
