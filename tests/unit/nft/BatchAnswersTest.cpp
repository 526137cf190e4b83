// How the kernel's answers to a batch decide its outcome: what nfnetlink sends is
// rebuilt here byte by byte (NLMSG_ERROR, capped or not, with extended ACK attributes).
#include "nft/BatchAnswers.hpp"

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>

namespace fwx::nft {
namespace {

constexpr std::uint32_t Begin = 100;
constexpr std::uint32_t Last = 104;
constexpr std::uint32_t End = 105;

struct Answer {
    Answer(std::uint32_t seq, int err, std::string msg = {}, std::uint32_t off = 0,
           std::uint32_t echoed = 0)
        : sequence(seq)
        , errnum(err)
        , message(std::move(msg))
        , offset(off)
        , echoedBytes(echoed) {}

    std::uint32_t sequence;
    int errnum;
    std::string message;       // NLMSGERR_ATTR_MSG
    std::uint32_t offset;      // NLMSGERR_ATTR_OFFS
    std::uint32_t echoedBytes; // payload of the refused message echoed (no NETLINK_CAP_ACK)
};

// One NLMSG_ERROR as netlink_ack() builds it.
std::vector<char> datagram(const Answer& a) {
    std::vector<char> buffer(std::size_t{8192} + a.echoedBytes);
    nlmsghdr* header = mnl_nlmsg_put_header(buffer.data());
    header->nlmsg_type = NLMSG_ERROR;
    header->nlmsg_seq = a.sequence;
    const bool capped = a.echoedBytes == 0;
    header->nlmsg_flags = capped ? NLM_F_CAPPED : 0;
    auto* error = static_cast<nlmsgerr*>(
        mnl_nlmsg_put_extra_header(header, sizeof(nlmsgerr) + a.echoedBytes));
    error->error = -a.errnum;
    error->msg.nlmsg_len = static_cast<std::uint32_t>(sizeof(nlmsghdr) + a.echoedBytes);
    error->msg.nlmsg_seq = a.sequence;
    if (!a.message.empty() || a.offset != 0) {
        header->nlmsg_flags |= NLM_F_ACK_TLVS;
        if (!a.message.empty()) {
            mnl_attr_put_strz(header, NLMSGERR_ATTR_MSG, a.message.c_str());
        }
        if (a.offset != 0) {
            mnl_attr_put_u32(header, NLMSGERR_ATTR_OFFS, a.offset);
        }
    }
    buffer.resize(header->nlmsg_len);
    return buffer;
}

BatchAnswers answered(const std::vector<Answer>& answers) {
    BatchAnswers batch(Begin, End, Last);
    for (const Answer& a : answers) {
        const auto bytes = datagram(a);
        batch.take(bytes.data(), bytes.size());
    }
    return batch;
}

TEST(BatchAnswers, TheLastMessagesAckAloneMeansApplied) {
    EXPECT_FALSE(answered({{Last, 0}}).refusal());
}

TEST(BatchAnswers, TheFirstRefusedMessageIsTheCause) {
    const auto answers = answered({{102, EEXIST, "", 188}, {103, EEXIST}, {Last, EEXIST}});
    ASSERT_TRUE(answers.refusal());
    EXPECT_EQ(answers.refusal()->sequence, 102U);
    EXPECT_EQ(answers.refusal()->errnum, EEXIST);
    EXPECT_EQ(answers.refusal()->badOffset, 188U);
}

// A failed commit (or no memory to queue errors) is answered against BATCH_BEGIN; it
// explains the batch better than the acknowledgements around it.
TEST(BatchAnswers, AFailureOfTheWholeBatchWins) {
    const auto answers = answered({{102, ENOENT}, {Begin, ENOMEM, "out of memory"}, {Last, 0}});
    ASSERT_TRUE(answers.refusal());
    EXPECT_EQ(answers.refusal()->sequence, Begin);
    EXPECT_EQ(answers.refusal()->errnum, ENOMEM);
    EXPECT_EQ(answers.refusal()->kernelMessage, "out of memory");
}

TEST(BatchAnswers, AnswersToOtherBatchesAreIgnored) {
    EXPECT_FALSE(answered({{Begin - 1, EEXIST}, {End + 1, ENOENT}, {Last, 0}}).refusal());
}

// Without NETLINK_CAP_ACK the refused message comes back whole before the attributes.
TEST(BatchAnswers, ExtendedAckAfterAnEchoedMessageIsRead) {
    const auto answers = answered({{101, EINVAL, "bad thing", 64, 70000}});
    ASSERT_TRUE(answers.refusal());
    EXPECT_EQ(answers.refusal()->kernelMessage, "bad thing");
    EXPECT_EQ(answers.refusal()->badOffset, 64U);
}

} // namespace
} // namespace fwx::nft
