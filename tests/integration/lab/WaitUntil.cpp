#include "lab/WaitUntil.hpp"

#include <algorithm>
#include <string>

#include <poll.h>

namespace fwx::test {

namespace {

// poll() with no descriptors is a wait that cannot overshoot the deadline by more than
// the timer slack and needs no signal-safety care.
void pause(milliseconds duration) {
    static_cast<void>(::poll(nullptr, 0, static_cast<int>(duration.count())));
}

} // namespace

::testing::AssertionResult waitUntil(const std::function<bool()>& predicate, milliseconds timeout,
                                     std::string_view what) {
    const Deadline deadline(timeout);
    milliseconds backoff{1};
    for (;;) {
        if (predicate()) {
            return ::testing::AssertionSuccess();
        }
        if (deadline.expired()) {
            return ::testing::AssertionFailure()
                   << "timed out after " << timeout.count() << " ms waiting for " << what;
        }
        pause(std::min(backoff, milliseconds{std::max(deadline.pollTimeout(), 1)}));
        backoff = std::min(backoff * 2, milliseconds{50});
    }
}

} // namespace fwx::test
