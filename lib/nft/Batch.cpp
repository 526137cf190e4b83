#include "nft/Batch.hpp"

#include "error/Error.hpp"
#include "nft/BatchAnswers.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netlink.h>

namespace fwx::nft {

namespace {
// nlmsghdr + nfgenmsg, with room to spare. BATCH_BEGIN and BATCH_END are exactly this.
constexpr std::size_t HeaderRoom = 64;

std::size_t aligned(std::size_t length) {
    return (length + NLMSG_ALIGNTO - 1) & ~std::size_t{NLMSG_ALIGNTO - 1};
}

// The only sign of a builder that wrote past its room; the heap around the batch may be
// damaged, so nothing after this point can be trusted.
[[noreturn]] void overran(const nlmsghdr* header, std::size_t room) {
    std::fprintf(stderr, "fwx::nft::Batch: a message of %u bytes overran its %zu bytes of room\n",
                 header->nlmsg_len, room);
    std::abort();
}
} // namespace

Batch::Batch(std::uint32_t firstSequence)
    : firstSequence_(firstSequence) {
    appendControl(true);
}

std::uint32_t Batch::nextSequence() const noexcept {
    return firstSequence_ + static_cast<std::uint32_t>(messages_.size()) + 2;
}

std::span<const std::uint8_t> Batch::bytes() const noexcept {
    return buffer_;
}

// Grows the buffer by bytes (zeroed) and returns where they start.
std::size_t Batch::reserve(std::size_t bytes) {
    const std::size_t used = buffer_.size();
    buffer_.resize(used + bytes);
    return used;
}

// Shrinks the room reserved for the message at offset to what it really uses.
void Batch::finishMessage(std::size_t offset, std::size_t room) {
    const auto* header = reinterpret_cast<const nlmsghdr*>(buffer_.data() + offset);
    if (header->nlmsg_len > room) {
        overran(header, room);
    }
    buffer_.resize(offset + aligned(header->nlmsg_len));
}

void Batch::appendControl(bool begin) {
    const std::size_t offset = reserve(HeaderRoom);
    char* at = reinterpret_cast<char*>(buffer_.data() + offset);
    const std::uint32_t seq = begin ? firstSequence_ : nextSequence() - 1;
    if (begin) {
        nftnl_batch_begin(at, seq);
    } else {
        nftnl_batch_end(at, seq);
    }
    finishMessage(offset, HeaderRoom);
}

void Batch::add(std::uint16_t type, std::uint16_t family, std::uint16_t flags,
                std::size_t payloadRoom, const PayloadBuilder& build, std::string what,
                std::vector<Part> parts) {
    const auto seq = firstSequence_ + 1 + static_cast<std::uint32_t>(messages_.size());
    const std::size_t room = HeaderRoom + payloadRoom;
    const std::size_t offset = reserve(room);
    try {
        char* at = reinterpret_cast<char*>(buffer_.data() + offset);
        nlmsghdr* header = nftnl_nlmsg_build_hdr(at, type, family, flags, seq);
        build(header, room);
        finishMessage(offset, room);
    } catch (...) {
        buffer_.resize(offset); // the batch stays as it was
        throw;
    }
    messages_.push_back(Message{offset, std::move(what), std::move(parts)});
}

// "nft: removing elements 1-300 of 300 from set ports_v4 (...), element
// 203.0.113.1:41007/tcp" — the element when the kernel pointed at one (extended ACK).
std::string Batch::describe(std::uint32_t sequence, std::uint32_t badOffset) const {
    if (sequence <= firstSequence_ || sequence > firstSequence_ + messages_.size()) {
        return fmt::format("nft: committing a transaction of {} message(s), the first {}",
                           messages_.size(), messages_.front().what);
    }
    const Message& message = messages_[sequence - firstSequence_ - 1];
    std::string text = "nft: " + message.what;
    const auto after = std::upper_bound(
        message.parts.begin(), message.parts.end(), badOffset,
        [](std::uint32_t offset, const Part& part) { return offset < part.offset; });
    if (badOffset != 0 && after != message.parts.begin()) {
        text += ", element " + std::prev(after)->label;
    }
    return text;
}

void Batch::commit(const net::NetlinkSocket& socket) {
    if (messages_.empty()) {
        return;
    }
    appendControl(false);
    // Only the last message asks for an acknowledgement: nfnetlink reports a failing
    // message whether asked or not, and delivers all answers in message order after the
    // whole batch ran, so the last message's answer closes them and success costs one
    // answer instead of one per message.
    auto* last = reinterpret_cast<nlmsghdr*>(buffer_.data() + messages_.back().offset);
    last->nlmsg_flags |= NLM_F_ACK;
    if (mnl_socket_sendto(socket.get(), buffer_.data(), buffer_.size()) < 0) {
        throwSystemError(fmt::format("nft: sending a batch of {} messages ({} bytes)",
                                     messages_.size(), buffer_.size()),
                         errno);
    }
    BatchAnswers answers(firstSequence_, nextSequence() - 1, last->nlmsg_seq);
    answers.read(socket);
    if (const auto& refusal = answers.refusal()) {
        std::string context = describe(refusal->sequence, refusal->badOffset);
        if (!refusal->kernelMessage.empty()) {
            context += " (kernel: " + refusal->kernelMessage + ")";
        }
        throwSystemError(context, refusal->errnum);
    }
}

} // namespace fwx::nft
