// Fault injection into the signal path (issue 10, item 8): sd-bus refusing a signal is an
// error the caller sees, and a bus that fails while signals wait loses them without
// taking the loop down. The bus is a real sd-bus connection over a socketpair whose peer
// never reads, so nothing leaves sd-bus's write queue.
#include "daemon/SignalQueue.hpp"

#include "daemon/EventLoop.hpp"
#include "error/Error.hpp"

#include <array>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fwx::daemon {
namespace {

struct BusUnref {
    void operator()(sd_bus* bus) const noexcept { sd_bus_flush_close_unref(bus); }
};
using Bus = std::unique_ptr<sd_bus, BusUnref>;

class SignalQueueTest : public ::testing::Test {
protected:
    SignalQueueTest() {
        std::array<int, 2> fds{};
        EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds.data()), 0);
        peer_ = fds[1];
        sd_bus* bus = nullptr;
        EXPECT_GE(sd_bus_new(&bus), 0);
        bus_.reset(bus);
        EXPECT_GE(sd_bus_set_fd(bus, fds[0], fds[0]), 0);
        EXPECT_GE(sd_bus_start(bus), 0);
    }
    ~SignalQueueTest() override { ::close(peer_); }
    SignalQueueTest(const SignalQueueTest&) = delete;
    SignalQueueTest& operator=(const SignalQueueTest&) = delete;

    BusMessage signal() {
        sd_bus_message* message = nullptr;
        EXPECT_GE(sd_bus_message_new_signal(bus_.get(), &message, "/org/fwxd/Test", "org.fwxd.Test",
                                            "Poked"),
                  0);
        return BusMessage(message);
    }

    EventLoop loop;
    Bus bus_;
    int peer_ = -1;
};

TEST_F(SignalQueueTest, PastTheBacklogSignalsWaitInOrder) {
    SignalQueue queue(loop, bus_.get());
    for (std::uint64_t i = 0; i < SignalQueue::Backlog + 44; ++i) {
        queue.send(signal());
    }
    EXPECT_EQ(queue.waiting(), 44U);
}

TEST_F(SignalQueueTest, ASignalTheBusRefusesThrowsFailed) {
    SignalQueue queue(loop, bus_.get());
    BusMessage refused = signal();
    sd_bus_close(bus_.get());
    try {
        queue.send(std::move(refused));
        FAIL() << "a closed bus took the signal";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Failed);
        EXPECT_NE(std::string(e.what()).find("sending a D-Bus signal"), std::string::npos)
            << e.what();
    }
    EXPECT_EQ(queue.waiting(), 0U);
}

// Signals wait, then the connection fails: the queue logs it and drops what waits, and
// the loop runs on.
TEST_F(SignalQueueTest, ABusThatFailsWhileSignalsWaitDropsThemAndTheLoopGoesOn) {
    SignalQueue queue(loop, bus_.get());
    for (std::uint64_t i = 0; i < SignalQueue::Backlog + 10; ++i) {
        queue.send(signal());
    }
    ASSERT_EQ(queue.waiting(), 10U);
    sd_bus_close(bus_.get());
    // Post sources run after another source was dispatched, as the bus's I/O would be.
    bool ranOn = false;
    loop.defer([&] { ranOn = true; });
    ::testing::internal::CaptureStderr();
    EXPECT_GE(sd_event_run(loop.get(), 0), 0);
    EXPECT_GE(sd_event_run(loop.get(), 0), 0);
    const std::string log = ::testing::internal::GetCapturedStderr();
    EXPECT_TRUE(ranOn);
    EXPECT_EQ(queue.waiting(), 0U);
    EXPECT_NE(log.find("sending queued D-Bus signals"), std::string::npos) << log;
}

} // namespace
} // namespace fwx::daemon
