#include "nft/Batch.hpp"

#include "error/Error.hpp"

#include <array>
#include <cerrno>
#include <optional>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter/nfnetlink.h>
#include <poll.h>
#include <sys/socket.h>

namespace fwx::nft {

namespace {
constexpr std::size_t HeaderRoom = 256;
// Answers to a batch are queued on our socket before sendmsg() returns (nfnetlink runs in
// the sender's context); the timeout only guards against a kernel that never answers.
constexpr int AnswerTimeoutMs = 5000;

// The kernel's answers to one batch: an NLMSG_ERROR per message, errno 0 for success.
struct Answer {
    std::uint32_t firstSequence = 0;
    std::uint32_t lastSequence = 0;
    std::size_t answered = 0;
    std::optional<std::pair<std::uint32_t, int>> firstError; // sequence, errno
};
} // namespace

Batch::Batch(std::uint32_t firstSequence)
    : firstSequence_(firstSequence) {
    appendControl(true);
}

std::uint32_t Batch::nextSequence() const noexcept {
    return firstSequence_ + static_cast<std::uint32_t>(what_.size()) + 2;
}

char* Batch::reserve(std::size_t bytes) {
    const std::size_t used = buffer_.size();
    buffer_.resize(used + bytes);
    return buffer_.data() + used;
}

void Batch::finishMessage(const nlmsghdr* header) {
    const auto* start = reinterpret_cast<const char*>(header);
    const auto used = static_cast<std::size_t>(start - buffer_.data());
    // MNL_ALIGN mixes int and unsigned; align by hand.
    const std::size_t aligned = (std::size_t{header->nlmsg_len} + 3U) & ~std::size_t{3};
    buffer_.resize(used + aligned);
}

void Batch::appendControl(bool begin) {
    char* at = reserve(HeaderRoom);
    const std::uint32_t seq = begin ? firstSequence_ : nextSequence() - 1;
    const nlmsghdr* header = begin ? nftnl_batch_begin(at, seq) : nftnl_batch_end(at, seq);
    finishMessage(header);
}

void Batch::add(std::uint16_t type, std::uint16_t family, std::uint16_t flags,
                std::size_t payloadCapacity, const PayloadBuilder& build, std::string what) {
    const auto seq = firstSequence_ + 1 + static_cast<std::uint32_t>(what_.size());
    char* at = reserve(HeaderRoom + payloadCapacity);
    nlmsghdr* header = nftnl_nlmsg_build_hdr(at, type, family, flags | NLM_F_ACK, seq);
    build(header);
    finishMessage(header);
    what_.push_back(std::move(what));
}

namespace {
int collectAnswer(const nlmsghdr* header, void* data) {
    auto* answer = static_cast<Answer*>(data);
    if (header->nlmsg_seq < answer->firstSequence || header->nlmsg_seq > answer->lastSequence) {
        return MNL_CB_OK; // a late answer to an earlier batch
    }
    ++answer->answered;
    const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(header));
    if (err->error != 0 && !answer->firstError) {
        answer->firstError = std::make_pair(header->nlmsg_seq, -err->error);
    }
    return MNL_CB_OK;
}

bool waitReadable(int fd, int timeoutMs) {
    pollfd pfd{fd, POLLIN, 0};
    const int ready = poll(&pfd, 1, timeoutMs);
    if (ready < 0) {
        throwSystemError("nft: waiting for the kernel's answer", errno);
    }
    return ready > 0;
}

void readAnswers(const net::NetlinkSocket& socket, Answer& answer) {
    std::vector<char> receive(static_cast<std::size_t>(MNL_SOCKET_BUFFER_SIZE));
    // After an error, the remaining answers are drained so they cannot be mistaken for
    // answers to the next batch.
    while (answer.answered < answer.lastSequence - answer.firstSequence + 1) {
        const int timeout = answer.firstError ? 0 : AnswerTimeoutMs;
        if (!waitReadable(socket.fd(), timeout)) {
            if (answer.firstError) {
                return;
            }
            throwSystemError("nft: the kernel did not answer a batch", ETIMEDOUT);
        }
        const ssize_t got = mnl_socket_recvfrom(socket.get(), receive.data(), receive.size());
        if (got < 0) {
            throwSystemError("nft: reading the kernel's answer", errno);
        }
        // Answers are control messages (NLMSG_ERROR), so they need a control callback.
        std::array<mnl_cb_t, NLMSG_MIN_TYPE> control{};
        control[NLMSG_ERROR] = collectAnswer;
        mnl_cb_run2(receive.data(), static_cast<std::size_t>(got), 0, socket.portId(), nullptr,
                    &answer, control.data(), control.size());
    }
}
} // namespace

void Batch::commit(const net::NetlinkSocket& socket) {
    appendControl(false);
    if (mnl_socket_sendto(socket.get(), buffer_.data(), buffer_.size()) < 0) {
        throwSystemError("nft: sending a batch of " + std::to_string(what_.size()) + " messages",
                         errno);
    }
    Answer answer{firstSequence_ + 1, firstSequence_ + static_cast<std::uint32_t>(what_.size()), 0,
                  std::nullopt};
    readAnswers(socket, answer);
    if (answer.firstError) {
        const auto [seq, errnum] = *answer.firstError;
        throwSystemError("nft: " + what_[seq - firstSequence_ - 1], errnum);
    }
}

} // namespace fwx::nft
