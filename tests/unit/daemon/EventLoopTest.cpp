// Fault injection into the daemon's event loop: no exception from a callback may unwind
// through sd-event's C frames (issue 10, item 8). A failing callback is logged with what
// was being done, and the loop goes on with everything else.
#include "daemon/EventLoop.hpp"

#include "daemon/Timer.hpp"

#include <chrono>
#include <csignal>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace fwx::daemon {
namespace {

using ::testing::internal::CaptureStderr;
using ::testing::internal::GetCapturedStderr;

TEST(EventLoop, DeferredWorkThatThrowsIsLoggedAndTheRestRuns) {
    EventLoop loop;
    bool ranAfter = false;
    loop.defer([] { throw std::runtime_error("boom"); });
    loop.defer([&] { ranAfter = true; });
    loop.defer([&] { loop.exit(7); });
    CaptureStderr();
    EXPECT_EQ(loop.run(), 7);
    const std::string log = GetCapturedStderr();
    EXPECT_TRUE(ranAfter);
    EXPECT_NE(log.find("deferred work: boom"), std::string::npos) << log;
}

TEST(EventLoop, ATimerThatThrowsDoesNotStopTheLoop) {
    EventLoop loop;
    int fired = 0;
    Timer failing(loop, [&] {
        ++fired;
        throw 42; // not even a std::exception
    });
    Timer last(loop, [&] { loop.exit(0); });
    const auto now = std::chrono::steady_clock::now();
    failing.arm(now);
    last.arm(now + std::chrono::milliseconds(1));
    CaptureStderr();
    EXPECT_EQ(loop.run(), 0);
    const std::string log = GetCapturedStderr();
    EXPECT_EQ(fired, 1);
    EXPECT_NE(log.find("a timer: an unknown exception"), std::string::npos) << log;
}

TEST(EventLoop, ASignalHandlerThatThrowsDoesNotStopTheLoop) {
    EventLoop loop;
    int handled = 0;
    loop.onSignal(SIGUSR2, [&] {
        ++handled;
        throw std::runtime_error("handler failed");
    });
    loop.defer([] { std::raise(SIGUSR2); });
    Timer last(loop, [&] { loop.exit(0); });
    last.arm(std::chrono::steady_clock::now() + std::chrono::milliseconds(20));
    CaptureStderr();
    EXPECT_EQ(loop.run(), 0);
    const std::string log = GetCapturedStderr();
    EXPECT_EQ(handled, 1);
    EXPECT_NE(log.find("handling a signal: handler failed"), std::string::npos) << log;
}

} // namespace
} // namespace fwx::daemon
