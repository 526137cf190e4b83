#pragma once

#include "net/NetlinkSocket.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

struct nlmsghdr;

namespace fwx::nft {

// The kernel's answers to one nf_tables batch, read from an nft socket that has
// NETLINK_CAP_ACK (answers carry the refused message's header only, not the whole
// message, so they stay small at any batch size) and NETLINK_EXT_ACK (the kernel's own
// words and the offset of the attribute at fault).
//
// What nfnetlink answers (net/netfilter/nfnetlink.c, nfnetlink_rcv_batch): it runs every
// message, queues an NLMSG_ERROR for each message that failed and for each message that
// asked for NLM_F_ACK, commits or aborts, and then delivers the queue in message order, all
// before the sender's sendmsg() returns. A failure of the whole batch (commit, or no
// memory to queue an error) is answered against BATCH_BEGIN's sequence, before the queue;
// after an ENOMEM it may stop early and answer nothing else. So: the answer to the last
// message (which asks for an ACK) ends the answers, and after an error everything that
// will come is already queued.
class BatchAnswers {
public:
    // Sequences: BATCH_BEGIN, BATCH_END and the last message, which carries NLM_F_ACK.
    BatchAnswers(std::uint32_t begin, std::uint32_t end, std::uint32_t last);

    // Reads answers until the outcome is known. Throws fwx::Error(Failed) if the kernel
    // does not answer, or if answers were lost (ENOBUFS): the outcome is then unknown.
    void read(const net::NetlinkSocket& socket);

    struct Refusal {
        std::uint32_t sequence = 0; // of the message refused; BATCH_BEGIN for the batch
        int errnum = 0;
        std::string kernelMessage;   // NLMSGERR_ATTR_MSG, often empty
        std::uint32_t badOffset = 0; // NLMSGERR_ATTR_OFFS from the message's start; 0: none
    };
    // Why the kernel refused the batch: a failure of the whole batch first, else the first
    // message refused. Empty when the batch was applied.
    const std::optional<Refusal>& refusal() const noexcept { return refusal_; }

    // Takes one received datagram (public for the unit tests).
    void take(const void* datagram, std::size_t length);

private:
    void takeError(const nlmsghdr* header);
    std::pair<int, std::uint32_t> rank(const Refusal& refusal) const noexcept;

    std::uint32_t begin_;
    std::uint32_t end_;
    std::uint32_t last_;
    bool lastAnswered_ = false;
    std::optional<Refusal> refusal_;
};

} // namespace fwx::nft
