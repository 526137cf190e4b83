#include "nft/BatchAnswers.hpp"

#include "error/Error.hpp"

#include <cerrno>
#include <vector>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>

namespace fwx::nft {

namespace {
// All answers are queued before sendmsg() returns; the timeout only guards against a
// kernel that never answers.
constexpr int AnswerTimeoutMs = 5000;

bool waitReadable(int fd, int timeoutMs) {
    pollfd pfd{fd, POLLIN, 0};
    int ready = 0;
    do {
        ready = poll(&pfd, 1, timeoutMs);
    } while (ready < 0 && errno == EINTR);
    if (ready < 0) {
        throwSystemError("nft: waiting for the kernel's answer", errno);
    }
    return ready > 0;
}

// Reads the next datagram whole, whatever its size: its length is peeked first, so a
// large answer can never be truncated (libmnl reports that as ENOSPC and drops it).
std::vector<char> receive(const net::NetlinkSocket& socket) {
    ssize_t size = 0;
    do {
        size = recv(socket.fd(), nullptr, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
    } while (size < 0 && errno == EINTR);
    if (size < 0) {
        if (errno == ENOBUFS) {
            throwSystemError("nft: the kernel's answers to a batch overflowed the socket, whether "
                             "it was applied is unknown",
                             errno);
        }
        throwSystemError("nft: reading the kernel's answer", errno);
    }
    std::vector<char> datagram(static_cast<std::size_t>(size));
    const ssize_t got = mnl_socket_recvfrom(socket.get(), datagram.data(), datagram.size());
    if (got < 0) {
        throwSystemError("nft: reading the kernel's answer", errno);
    }
    datagram.resize(static_cast<std::size_t>(got));
    return datagram;
}

struct ExtAck {
    std::string message;
    std::uint32_t offset = 0;
};

int collectExtAck(const nlattr* attr, void* data) {
    auto* ack = static_cast<ExtAck*>(data);
    switch (mnl_attr_get_type(attr)) {
    case NLMSGERR_ATTR_MSG:
        if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) {
            ack->message = mnl_attr_get_str(attr);
        }
        break;
    case NLMSGERR_ATTR_OFFS:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0) {
            ack->offset = mnl_attr_get_u32(attr);
        }
        break;
    default:
        break;
    }
    return MNL_CB_OK;
}
} // namespace

BatchAnswers::BatchAnswers(std::uint32_t begin, std::uint32_t end, std::uint32_t last)
    : begin_(begin)
    , end_(end)
    , last_(last) {
}

void BatchAnswers::read(const net::NetlinkSocket& socket) {
    while (!lastAnswered_) {
        // After an error nothing more is on its way: take what is queued and stop.
        if (!waitReadable(socket.fd(), refusal_ ? 0 : AnswerTimeoutMs)) {
            if (refusal_) {
                return;
            }
            throwSystemError("nft: the kernel did not answer a batch", ETIMEDOUT);
        }
        const std::vector<char> datagram = receive(socket);
        take(datagram.data(), datagram.size());
    }
}

void BatchAnswers::take(const void* datagram, std::size_t length) {
    const auto* header = static_cast<const nlmsghdr*>(datagram);
    auto remaining = static_cast<int>(length);
    for (; mnl_nlmsg_ok(header, remaining); header = mnl_nlmsg_next(header, &remaining)) {
        // Answers to an earlier batch that gave up early are not ours.
        if (header->nlmsg_type != NLMSG_ERROR || header->nlmsg_seq < begin_ ||
            header->nlmsg_seq > end_) {
            continue;
        }
        if (header->nlmsg_len < mnl_nlmsg_size(sizeof(nlmsgerr))) {
            continue;
        }
        takeError(header);
    }
}

std::pair<int, std::uint32_t> BatchAnswers::rank(const Refusal& refusal) const noexcept {
    const bool wholeBatch = refusal.sequence == begin_ || refusal.sequence == end_;
    return {wholeBatch ? 0 : 1, refusal.sequence};
}

void BatchAnswers::takeError(const nlmsghdr* header) {
    const auto* error = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(header));
    if (header->nlmsg_seq == last_) {
        lastAnswered_ = true;
    }
    if (error->error == 0) {
        return;
    }
    Refusal refusal{header->nlmsg_seq, -error->error, {}, 0};
    if ((header->nlmsg_flags & NLM_F_ACK_TLVS) != 0) {
        // The TLVs follow the echoed request: its header only when the kernel capped it.
        std::size_t offset = sizeof(nlmsgerr);
        if ((header->nlmsg_flags & NLM_F_CAPPED) == 0) {
            offset += error->msg.nlmsg_len - sizeof(nlmsghdr);
        }
        ExtAck ack;
        if (mnl_nlmsg_size(offset) <= header->nlmsg_len) {
            mnl_attr_parse(header, static_cast<unsigned>(offset), collectExtAck, &ack);
        }
        refusal.kernelMessage = std::move(ack.message);
        refusal.badOffset = ack.offset;
    }
    // A failure of the whole batch says more than the messages it cut short; among
    // messages, the first refused is the cause the caller can act on.
    if (!refusal_ || rank(refusal) < rank(*refusal_)) {
        refusal_ = std::move(refusal);
    }
}

} // namespace fwx::nft
