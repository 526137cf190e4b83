#include "ClientPool.hpp"

#include "StopSignal.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <stdexcept>
#include <thread>
#include <utility>

namespace fwx::bench {

namespace {

using Clock = std::chrono::steady_clock;

double microsecondsSince(Clock::time_point start) {
    return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

} // namespace

ClientPool::ClientPool(const std::string& busAddress, std::size_t count, std::string target)
    : target_(std::move(target)) {
    workers_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        BusClient client(busAddress);
        std::string session = client.openSession();
        workers_.push_back({std::move(client), std::move(session)});
    }
}

LoadResult ClientPool::ping(std::size_t clients, double seconds) {
    LoadResult result = run(clients, seconds, 1, [](Worker& worker, Sample& sample) {
        const auto start = Clock::now();
        worker.client.ping();
        sample.latencyUs.push_back(microsecondsSince(start));
        ++sample.cycles;
    });
    return result;
}

LoadResult ClientPool::redirectCancel(std::size_t clients, std::size_t targets, double seconds,
                                      std::size_t minCycles) {
    RedirectCall call;
    call.protocol = "tcp";
    for (std::size_t i = 0; i < targets; ++i) {
        call.targets.push_back({target_, static_cast<std::uint16_t>(40000 + i)});
    }
    LoadResult result = run(clients, seconds, minCycles, [&call](Worker& worker, Sample& sample) {
        auto start = Clock::now();
        const RedirectReply reply = worker.client.redirect(worker.session, call);
        sample.latencyUs.push_back(microsecondsSince(start));
        for (const std::string& action : reply.actions) {
            start = Clock::now();
            worker.client.cancel(action);
            sample.cancelUs.push_back(microsecondsSince(start));
        }
        ++sample.cycles;
    });
    result.targets = targets;
    return result;
}

LoadResult ClientPool::run(std::size_t clients, double seconds, std::size_t minCycles,
                           const Cycle& cycle) {
    if (clients == 0 || clients > workers_.size()) {
        throw std::invalid_argument("ClientPool: " + std::to_string(clients) + " clients of " +
                                    std::to_string(workers_.size()));
    }
    std::vector<Sample> samples(clients);
    std::vector<Clock::time_point> ends(clients);
    std::latch ready(static_cast<std::ptrdiff_t>(clients) + 1);
    std::latch go(1);
    Clock::time_point start{};
    const auto duration =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    std::vector<std::thread> threads;
    threads.reserve(clients);
    for (std::size_t i = 0; i < clients; ++i) {
        threads.emplace_back([&, i] {
            ready.count_down();
            go.wait();
            Sample& sample = samples[i];
            const Clock::time_point end = start + duration;
            std::size_t attempts = 0;
            do {
                try {
                    cycle(workers_[i], sample);
                } catch (const BusCallError& e) {
                    ++sample.errors[e.name()];
                }
                ++attempts;
            } while ((Clock::now() < end || attempts < minCycles) && !stopRequested());
            ends[i] = Clock::now();
        });
    }
    ready.arrive_and_wait();
    start = Clock::now();
    go.count_down();
    for (std::thread& thread : threads) {
        thread.join();
    }
    throwIfStopped();

    LoadResult result;
    result.clients = clients;
    std::vector<double> latency;
    std::vector<double> cancel;
    for (const Sample& sample : samples) {
        latency.insert(latency.end(), sample.latencyUs.begin(), sample.latencyUs.end());
        cancel.insert(cancel.end(), sample.cancelUs.begin(), sample.cancelUs.end());
        result.cycles += sample.cycles;
        for (const auto& [name, count] : sample.errors) {
            result.errors[name] += count;
        }
    }
    result.latencyUs = Percentiles(std::move(latency));
    result.cancelUs = Percentiles(std::move(cancel));
    result.seconds =
        std::chrono::duration<double>(*std::max_element(ends.begin(), ends.end()) - start).count();
    return result;
}

} // namespace fwx::bench
