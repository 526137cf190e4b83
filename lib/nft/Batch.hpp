#pragma once

#include "net/NetlinkSocket.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

struct nlmsghdr;

namespace fwx::nft {

// One nf_tables transaction: BATCH_BEGIN, the messages, BATCH_END, sent with a single
// sendmsg(). The kernel applies all of it or none of it, so a redirect group is either
// fully programmed or not at all.
class Batch {
public:
    using PayloadBuilder = std::function<void(nlmsghdr*)>;

    explicit Batch(std::uint32_t firstSequence);

    // Appends one message of nf_tables type (NFT_MSG_*) for family. build adds the
    // payload into at most payloadCapacity bytes; what names the object in errors, e.g.
    // "adding 3 elements to map dnat_v4".
    void add(std::uint16_t type, std::uint16_t family, std::uint16_t flags,
             std::size_t payloadCapacity, const PayloadBuilder& build, std::string what);

    std::size_t messageCount() const noexcept { return what_.size(); }
    bool empty() const noexcept { return what_.empty(); }
    // The sequence number after this batch's last one, for the next batch.
    std::uint32_t nextSequence() const noexcept;

    // Sends the batch and reads the kernel's answer to every message. Throws
    // fwx::Error(Failed) with the errno and the object of the first message refused.
    void commit(const net::NetlinkSocket& socket);

private:
    void appendControl(bool begin);
    char* reserve(std::size_t bytes);
    void finishMessage(const nlmsghdr* header);

    std::uint32_t firstSequence_;
    std::vector<char> buffer_;
    std::vector<std::string> what_; // what_[i] belongs to sequence firstSequence_ + 1 + i
};

} // namespace fwx::nft
