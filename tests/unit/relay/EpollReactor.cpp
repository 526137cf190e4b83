#include "EpollReactor.hpp"

#include "error/Error.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <utility>
#include <vector>

#include <sys/epoll.h>

namespace fwx::relay::test {

class EpollReactor::EpollWatch final : public Reactor::Watch {
public:
    EpollWatch(EpollReactor& loop, std::uint64_t id)
        : loop_(loop)
        , id_(id) {}
    EpollWatch(const EpollWatch&) = delete;
    EpollWatch& operator=(const EpollWatch&) = delete;
    ~EpollWatch() override { loop_.forgetWatch(id_); }
    void want(IoEvents events) override { loop_.want(id_, events); }

private:
    EpollReactor& loop_;
    std::uint64_t id_;
};

class EpollReactor::EpollTimer final : public Reactor::Timer {
public:
    EpollTimer(EpollReactor& loop, std::uint64_t id)
        : loop_(loop)
        , id_(id) {}
    EpollTimer(const EpollTimer&) = delete;
    EpollTimer& operator=(const EpollTimer&) = delete;
    ~EpollTimer() override { loop_.timers_.erase(id_); }
    void arm(std::optional<TimePoint> when) override { loop_.timers_.at(id_).when = when; }

private:
    EpollReactor& loop_;
    std::uint64_t id_;
};

EpollReactor::EpollReactor()
    : epoll_(UniqueFd::checked(::epoll_create1(EPOLL_CLOEXEC), "creating an epoll set")) {
}

std::unique_ptr<Reactor::Watch> EpollReactor::watch(int fd, IoCallback onReady) {
    const std::uint64_t id = nextId_++;
    watches_.emplace(id, WatchEntry{fd, {}, std::make_shared<IoCallback>(std::move(onReady))});
    return std::make_unique<EpollWatch>(*this, id);
}

std::unique_ptr<Reactor::Timer> EpollReactor::timer(std::function<void()> onExpiry) {
    const std::uint64_t id = nextId_++;
    timers_.emplace(
        id, TimerEntry{std::nullopt, std::make_shared<std::function<void()>>(std::move(onExpiry))});
    return std::make_unique<EpollTimer>(*this, id);
}

void EpollReactor::want(std::uint64_t id, IoEvents events) {
    WatchEntry& entry = watches_.at(id);
    if (entry.wanted == events) {
        return;
    }
    epoll_event event{};
    event.events = (events.readable ? EPOLLIN : 0U) | (events.writable ? EPOLLOUT : 0U);
    event.data.u64 = id;
    int op = EPOLL_CTL_MOD;
    if (!entry.wanted.any()) {
        op = EPOLL_CTL_ADD;
    } else if (!events.any()) {
        op = EPOLL_CTL_DEL;
    }
    if (::epoll_ctl(epoll_.get(), op, entry.fd, &event) < 0) {
        throwSystemError("changing the epoll set", errno);
    }
    entry.wanted = events;
}

void EpollReactor::forgetWatch(std::uint64_t id) {
    const auto found = watches_.find(id);
    if (found->second.wanted.any()) {
        // The descriptor is still open: owners destroy a watch before closing its fd.
        static_cast<void>(::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, found->second.fd, nullptr));
    }
    watches_.erase(found);
}

bool EpollReactor::runUntil(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const TimePoint deadline = now() + limit;
    while (!done()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now());
        if (left.count() <= 0) {
            return false;
        }
        runOnce(std::min(left, std::chrono::milliseconds(50)));
    }
    return true;
}

void EpollReactor::runFor(std::chrono::milliseconds duration) {
    runUntil([] { return false; }, duration);
}

void EpollReactor::runOnce(std::chrono::milliseconds longest) {
    auto wait = longest;
    for (const auto& [id, entry] : timers_) {
        if (entry.when) {
            const auto until = std::chrono::ceil<std::chrono::milliseconds>(*entry.when - now());
            wait = std::clamp(until, std::chrono::milliseconds(0), wait);
        }
    }
    std::array<epoll_event, 64> events{};
    const int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()),
                               static_cast<int>(wait.count()));
    if (n < 0 && errno != EINTR) {
        throwSystemError("waiting for events", errno);
    }
    for (int i = 0; i < n; ++i) {
        const epoll_event& event = events.at(static_cast<std::size_t>(i));
        const auto found = watches_.find(event.data.u64);
        if (found == watches_.end() || !found->second.wanted.any()) {
            continue; // destroyed or silenced by an earlier callback of this round
        }
        const bool broken = (event.events & (EPOLLERR | EPOLLHUP)) != 0;
        const IoEvents ready{.readable = broken || (event.events & EPOLLIN) != 0,
                             .writable = broken || (event.events & EPOLLOUT) != 0};
        const std::shared_ptr<IoCallback> onReady = found->second.onReady;
        (*onReady)(ready);
    }
    dispatchTimers();
}

void EpollReactor::dispatchTimers() {
    const TimePoint current = now();
    std::vector<std::uint64_t> due;
    for (const auto& [id, entry] : timers_) {
        if (entry.when && *entry.when <= current) {
            due.push_back(id);
        }
    }
    for (const std::uint64_t id : due) {
        const auto found = timers_.find(id);
        if (found == timers_.end() || !found->second.when || *found->second.when > current) {
            continue; // destroyed or re-armed by an earlier callback
        }
        found->second.when.reset();
        const std::shared_ptr<std::function<void()>> onExpiry = found->second.onExpiry;
        (*onExpiry)();
    }
}

} // namespace fwx::relay::test
