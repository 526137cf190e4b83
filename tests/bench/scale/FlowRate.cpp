#include "FlowRate.hpp"

#include "StopSignal.hpp"
#include "lab/Socket.hpp"
#include "lab/UniqueFd.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <system_error>
#include <thread>

#include <poll.h>
#include <sys/socket.h>

namespace fwx::bench {

namespace {

using Clock = std::chrono::steady_clock;

} // namespace

FlowRate measureFlowRate(const test::Netns& client, const test::SocketAddress& destination,
                         const test::Netns& server, const test::SocketAddress& receiver,
                         std::size_t flows) {
    const test::UniqueFd in = test::openSocket(&server, receiver.family(), SOCK_DGRAM);
    const int size = 16 << 20;
    if (::setsockopt(in.get(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
        throw std::system_error(errno, std::generic_category(), "SO_RCVBUFFORCE");
    }
    test::bindTo(in.get(), receiver);

    FlowRate rate;
    std::atomic<bool> sending{true};
    Clock::time_point lastArrival{};
    std::thread counter([&] {
        std::array<char, 16> data{};
        Clock::time_point quietSince = Clock::now();
        while (rate.received < flows) {
            pollfd p{in.get(), POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) {
                if (!sending && Clock::now() - quietSince > std::chrono::seconds(2)) {
                    break;
                }
                continue;
            }
            while (::recv(in.get(), data.data(), data.size(), MSG_DONTWAIT) > 0) {
                ++rate.received;
                lastArrival = quietSince = Clock::now();
            }
        }
    });

    const Clock::time_point start = Clock::now();
    try {
        const test::NetnsGuard inClient(client.fd());
        for (; rate.sent < flows; ++rate.sent) {
            if (rate.sent % 1000 == 0 && stopRequested()) {
                break;
            }
            const test::UniqueFd fd(
                ::socket(destination.domain(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
            if (!fd) {
                throw std::system_error(errno, std::generic_category(), "socket");
            }
            static_cast<void>(::sendto(fd.get(), "x", 1, 0, destination.get(), destination.size()));
        }
    } catch (...) {
        sending = false;
        counter.join();
        throw;
    }
    sending = false;
    counter.join();
    throwIfStopped();
    rate.seconds = std::chrono::duration<double>(lastArrival - start).count();
    return rate;
}

} // namespace fwx::bench
