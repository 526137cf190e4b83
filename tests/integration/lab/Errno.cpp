#include "lab/Errno.hpp"

#include <cstring>

namespace fwx::test {

std::string errnoText(int errnum) {
    std::string text = std::strerror(errnum);
    const char* name = ::strerrorname_np(errnum);
    return name != nullptr ? text + " (" + name + ")" : text;
}

} // namespace fwx::test
