#pragma once

#include "net/NetlinkSocket.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

struct nlmsghdr;

namespace fwx::nft {

// One nf_tables transaction: BATCH_BEGIN, the messages, BATCH_END, sent with a single
// sendmsg(). The kernel applies all of it or none of it, so a redirect group is either
// fully programmed or not at all, however many messages it takes.
class Batch {
public:
    // Writes a message's payload after its header. room is the number of bytes the
    // message may use from the start of its header: builders that check their writes
    // (libmnl's *_check functions) pass it on; libnftnl's builders write unchecked, so
    // their payloadRoom must be a true upper bound of what they write.
    using PayloadBuilder = std::function<void(nlmsghdr* header, std::size_t room)>;

    // A stretch of a message that the kernel may name as the culprit of an error (an
    // element of an element list): it starts offset bytes after the message's header start.
    struct Part {
        std::uint32_t offset = 0;
        std::string label; // e.g. "203.0.113.1:41000/tcp"
    };

    explicit Batch(std::uint32_t firstSequence);

    // Appends one message of nf_tables type (NFT_MSG_*) for family. build adds the
    // payload into at most payloadRoom bytes; what names the message's object in errors,
    // e.g. "adding elements 1-512 of 1024 to set dnat_v4 (group 3: ...)". Aborts the
    // process if a builder wrote past its room: memory is corrupt by then.
    void add(std::uint16_t type, std::uint16_t family, std::uint16_t flags, std::size_t payloadRoom,
             const PayloadBuilder& build, std::string what, std::vector<Part> parts = {});

    std::size_t messageCount() const noexcept { return messages_.size(); }
    bool empty() const noexcept { return messages_.empty(); }
    // The sequence number after this batch's last one, for the next batch.
    std::uint32_t nextSequence() const noexcept;
    // Bytes built so far: BATCH_BEGIN and the messages (BATCH_END is added by commit).
    std::span<const std::uint8_t> bytes() const noexcept;
    // The parts of message index (0 = the first after BATCH_BEGIN), by offset.
    std::span<const Part> parts(std::size_t index) const { return messages_.at(index).parts; }

    // Sends the batch and reads the kernel's answer (BatchAnswers). Throws
    // fwx::Error(Failed) with the errno, the message refused and, when the kernel names
    // it, the element at fault. An empty batch is not sent.
    void commit(const net::NetlinkSocket& socket);

private:
    struct Message {
        std::size_t offset = 0; // of its header in buffer_
        std::string what;
        std::vector<Part> parts;
    };

    void appendControl(bool begin);
    std::size_t reserve(std::size_t bytes);
    void finishMessage(std::size_t offset, std::size_t room);
    std::string describe(std::uint32_t sequence, std::uint32_t badOffset) const;

    std::uint32_t firstSequence_;
    std::vector<std::uint8_t> buffer_;
    std::vector<Message> messages_; // messages_[i] has sequence firstSequence_ + 1 + i
};

} // namespace fwx::nft
