// The daemon's bus dispatch on the sd-event loop, against a real dbus-daemon: meson runs
// this binary under dbus-run-session, which provides a private session bus.
#include "daemon/BusDispatcher.hpp"

#include "daemon/EventLoop.hpp"

#include <cstdlib>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <sdbus-c++/sdbus-c++.h>

namespace fwx::daemon {
namespace {

constexpr const char* Service = "org.fwxd.Test";
constexpr const char* Path = "/org/fwxd/Test";
constexpr const char* Interface = "org.fwxd.Test";
constexpr std::uint64_t DeadlineUsec = 10'000'000;

class BusDispatcherTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_NE(std::getenv("DBUS_SESSION_BUS_ADDRESS"), nullptr)
            << "no private bus: run this test under dbus-run-session (meson test does)";
    }

    // Ends the loop with code 1 if the test has not finished by then.
    EventSource deadline(EventLoop& loop) {
        sd_event_source* source = nullptr;
        const int r = sd_event_add_time_relative(
            loop.get(), &source, CLOCK_MONOTONIC, DeadlineUsec, 0,
            [](sd_event_source*, std::uint64_t, void* self) {
                static_cast<EventLoop*>(self)->exit(1);
                return 0;
            },
            &loop);
        EXPECT_GE(r, 0);
        return EventSource(source);
    }
};

// Each Ping asks the bus driver for the caller's uid with a synchronous call on the same
// connection, which reads later requests off the socket into sd-bus's queue: without the
// prepare step the loop would never see them and the client would hang.
TEST_F(BusDispatcherTest, AnswersEveryCallEvenAfterSynchronousCallsDrainTheSocket) {
    EventLoop loop;
    auto connection = sdbus::createSessionBusConnection(Service);
    auto object = sdbus::createObject(*connection, Path);
    auto driver = sdbus::createProxy(*connection, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    object->registerMethod("Ping").onInterface(Interface).implementedAs([&](const std::string& s) {
        std::uint32_t uid = 0;
        driver->callMethod("GetConnectionUnixUser")
            .onInterface("org.freedesktop.DBus")
            .withArguments(object->getCurrentlyProcessedMessage()->getSender())
            .storeResultsTo(uid);
        return s + ":" + std::to_string(uid);
    });
    object->registerMethod("Quit").onInterface(Interface).implementedAs([&] { loop.exit(0); });
    object->finishRegistration();
    const BusDispatcher dispatcher(loop, *connection, [](const std::string& why) {
        ADD_FAILURE() << "the connection was reported lost: " << why;
    });
    const EventSource timeout = deadline(loop);

    std::string lastAnswer;
    std::string clientError;
    std::thread client([&] {
        try {
            auto proxy = sdbus::createProxy(sdbus::createSessionBusConnection(), Service, Path);
            for (int i = 0; i < 50; ++i) {
                proxy->callMethod("Ping")
                    .onInterface(Interface)
                    .withArguments(std::to_string(i))
                    .storeResultsTo(lastAnswer);
            }
            proxy->callMethod("Quit").onInterface(Interface);
        } catch (const sdbus::Error& e) {
            clientError = e.what();
        }
    });
    const int code = loop.run();
    client.join();
    EXPECT_EQ(code, 0) << "the loop hit its deadline: a call was not dispatched";
    EXPECT_EQ(clientError, "");
    EXPECT_EQ(lastAnswer, "49:" + std::to_string(geteuid()));
}

TEST_F(BusDispatcherTest, SignalsEndTheLoop) {
    EventLoop loop;
    bool handled = false;
    loop.onSignal(SIGUSR1, [&] {
        handled = true;
        loop.exit(7);
    });
    const EventSource timeout = deadline(loop);
    ASSERT_EQ(kill(getpid(), SIGUSR1), 0);
    EXPECT_EQ(loop.run(), 7);
    EXPECT_TRUE(handled);
}

} // namespace
} // namespace fwx::daemon
