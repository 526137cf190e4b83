#include "RedirectFiller.hpp"

#include "StopSignal.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

namespace fwx::bench {

RedirectFiller::RedirectFiller(const std::string& busAddress, std::string target, std::size_t chunk,
                               std::uint32_t flags)
    : client_(busAddress)
    , session_(client_.openSession())
    , target_(std::move(target))
    , chunk_(chunk)
    , flags_(flags)
    , tcpChunk_(chunk)
    , udpChunk_(chunk) {
}

FillResult RedirectFiller::growTo(std::size_t count) {
    FillResult result;
    const auto start = std::chrono::steady_clock::now();
    if (session_.empty()) {
        session_ = client_.openSession();
    }
    while (held_ < count) {
        throwIfStopped();
        if (tcpChunk_ == 0 && udpChunk_ == 0) {
            result.complete = false;
            break;
        }
        const bool tcp = (nextIsTcp_ && tcpChunk_ > 0) || udpChunk_ == 0;
        nextIsTcp_ = !tcp;
        std::size_t& chunk = tcp ? tcpChunk_ : udpChunk_;
        const std::size_t n = std::min(chunk, count - held_);
        RedirectCall call;
        call.protocol = tcp ? "tcp" : "udp";
        call.flags = flags_;
        for (std::size_t i = 0; i < n; ++i) {
            call.targets.push_back({target_, static_cast<std::uint16_t>(30000 + i)});
        }
        ++result.requests;
        try {
            const RedirectReply reply = client_.redirect(session_, call);
            held_ += reply.actions.size();
            result.added += reply.actions.size();
        } catch (const BusCallError& e) {
            ++result.errors[e.name()];
            chunk /= 2;
        }
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

void RedirectFiller::closeSession() {
    client_.closeSession(session_);
    session_.clear();
    held_ = 0;
    tcpChunk_ = udpChunk_ = chunk_;
}

void RedirectFiller::disconnect() noexcept {
    client_.disconnect();
    held_ = 0;
}

} // namespace fwx::bench
