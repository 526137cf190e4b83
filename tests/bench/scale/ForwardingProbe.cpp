#include "ForwardingProbe.hpp"

#include "lab/Socket.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <system_error>

#include <poll.h>
#include <sys/socket.h>

namespace fwx::bench {

namespace {

constexpr std::int64_t IntervalNs = 1'000'000;
// Bounds the run: one hour of datagrams at most.
constexpr std::size_t MaxDatagrams = 3'600'000;

std::int64_t nanoseconds(const timespec& t) {
    return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// Waits until the CLOCK_REALTIME point at.
void sleepUntil(std::int64_t at) {
    timespec t{};
    t.tv_sec = static_cast<time_t>(at / 1'000'000'000);
    t.tv_nsec = static_cast<long>(at % 1'000'000'000);
    while (::clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &t, nullptr) == EINTR) {
    }
}

} // namespace

ForwardingProbe::ForwardingProbe(const test::Netns& client, const test::SocketAddress& destination,
                                 const test::Netns& server, const test::SocketAddress& receiver)
    : socket_(test::openSocket(&server, receiver.family(), SOCK_DGRAM)) {
    const int on = 1;
    const int size = 8 << 20;
    if (::setsockopt(socket_.get(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) != 0 ||
        ::setsockopt(socket_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
        throw std::system_error(errno, std::generic_category(), "probe receiver socket options");
    }
    test::bindTo(socket_.get(), receiver);
    sentAt_.reserve(1 << 16);
    arrivedAt_.reserve(1 << 16);
    receiver_ = std::thread([this] { receive(); });
    sender_ = std::thread([this, &client, destination] { send(client, destination); });
}

ForwardingProbe::~ForwardingProbe() {
    stop_ = true;
    sender_.join();
    receiver_.join();
}

std::int64_t ForwardingProbe::now() {
    timespec t{};
    ::clock_gettime(CLOCK_REALTIME, &t);
    return nanoseconds(t);
}

void ForwardingProbe::send(const test::Netns& client, const test::SocketAddress& destination) {
    try {
        const test::NetnsGuard inClient(client.fd());
        std::int64_t next = now();
        for (std::uint64_t seq = 0; !stop_ && seq < MaxDatagrams; ++seq) {
            sleepUntil(next);
            const test::UniqueFd fd(
                ::socket(destination.domain(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
            if (!fd) {
                throw std::system_error(errno, std::generic_category(), "probe socket");
            }
            const std::string payload = std::to_string(seq);
            const std::int64_t at = now();
            {
                const std::lock_guard lock(mutex_);
                sentAt_.push_back(at);
                arrivedAt_.push_back(0);
            }
            static_cast<void>(::sendto(fd.get(), payload.data(), payload.size(), 0,
                                       destination.get(), destination.size()));
            // A late sender does not burst to catch up: the next datagram is one interval
            // after this one.
            next = std::max(next + IntervalNs, at + IntervalNs / 2);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "probe sender: %s\n", e.what());
    }
}

void ForwardingProbe::receive() {
    std::array<char, 64> data{};
    std::array<char, CMSG_SPACE(sizeof(timespec))> control{};
    while (!stop_) {
        pollfd p{socket_.get(), POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) {
            continue;
        }
        iovec vector{data.data(), data.size() - 1};
        msghdr message{};
        message.msg_iov = &vector;
        message.msg_iovlen = 1;
        message.msg_control = control.data();
        message.msg_controllen = control.size();
        const ssize_t n = ::recvmsg(socket_.get(), &message, 0);
        if (n <= 0) {
            continue;
        }
        std::int64_t at = now();
        for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                timespec t{};
                std::memcpy(&t, CMSG_DATA(c), sizeof t);
                at = nanoseconds(t);
            }
        }
        const std::size_t seq = std::strtoull(
            std::string(data.data(), static_cast<std::size_t>(n)).c_str(), nullptr, 10);
        const std::lock_guard lock(mutex_);
        if (seq < arrivedAt_.size() && arrivedAt_[seq] == 0) {
            arrivedAt_[seq] = at;
        }
    }
}

ProbeWindow ForwardingProbe::window(std::int64_t from, std::int64_t to) const {
    ProbeWindow result;
    std::vector<std::int64_t> arrivals;
    std::int64_t lastSend = from;
    {
        const std::lock_guard lock(mutex_);
        for (std::size_t seq = 0; seq < sentAt_.size(); ++seq) {
            if (sentAt_[seq] >= from && sentAt_[seq] <= to) {
                ++result.sent;
                result.longestSendGapMs = std::max(
                    result.longestSendGapMs, static_cast<double>(sentAt_[seq] - lastSend) / 1e6);
                lastSend = sentAt_[seq];
                if (arrivedAt_[seq] != 0) {
                    ++result.received;
                }
            }
            if (arrivedAt_[seq] >= from && arrivedAt_[seq] <= to) {
                arrivals.push_back(arrivedAt_[seq]);
            }
        }
    }
    result.longestSendGapMs =
        std::max(result.longestSendGapMs, static_cast<double>(to - lastSend) / 1e6);
    std::sort(arrivals.begin(), arrivals.end());
    std::int64_t previous = from;
    for (const std::int64_t at : arrivals) {
        result.longestArrivalGapMs =
            std::max(result.longestArrivalGapMs, static_cast<double>(at - previous) / 1e6);
        previous = at;
    }
    result.longestArrivalGapMs =
        std::max(result.longestArrivalGapMs, static_cast<double>(to - previous) / 1e6);
    return result;
}

} // namespace fwx::bench
