#include "lab/Deadline.hpp"

#include <algorithm>
#include <cerrno>
#include <limits>
#include <system_error>

#include <poll.h>

namespace fwx::test {

int Deadline::pollTimeout() const noexcept {
    const auto left = end_ - Clock::now();
    if (left <= Clock::duration::zero()) {
        return 0;
    }
    // Round up: poll(..., 0) would spin on the last fraction of a millisecond.
    const auto ms = std::chrono::ceil<milliseconds>(left).count();
    return static_cast<int>(std::min<decltype(ms)>(ms, std::numeric_limits<int>::max()));
}

short pollFd(int fd, short events, const Deadline& deadline) {
    pollfd p{.fd = fd, .events = events, .revents = 0};
    for (;;) {
        const int n = ::poll(&p, 1, deadline.pollTimeout());
        if (n > 0) {
            return p.revents;
        }
        if (n == 0) {
            return 0;
        }
        if (errno != EINTR) {
            throw std::system_error(errno, std::generic_category(), "poll");
        }
    }
}

} // namespace fwx::test
