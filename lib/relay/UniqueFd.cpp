#include "relay/UniqueFd.hpp"

#include "error/Error.hpp"

#include <cerrno>

#include <unistd.h>

namespace fwx::relay {

UniqueFd UniqueFd::checked(int result, const char* doing) {
    if (result < 0) {
        throwSystemError(doing, errno);
    }
    return UniqueFd(result);
}

void UniqueFd::reset(int fd) noexcept {
    const int old = std::exchange(fd_, fd);
    if (old >= 0) {
        // close() may fail with EINTR after releasing the descriptor; retrying could close
        // an unrelated one, so the result is deliberately ignored.
        static_cast<void>(::close(old));
    }
}

} // namespace fwx::relay
