#pragma once

#include "nft/Batch.hpp"
#include "redirect/Redirect.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fwx::nft {

// The set and map elements that program one redirect group, gathered set by set so a
// group of N ports costs one message per set, all in one batch.
class GroupElements {
public:
    GroupElements(const redirect::RedirectGroup& group, std::string table);

    // NEWSETELEM for every set: keys, map values, permission timeouts and comments.
    void addTo(Batch& batch) const;
    // DELSETELEM for every set; permissions the kernel already removed (consumed or
    // expired) are no error.
    void removeFrom(Batch& batch) const;

    struct Element {
        std::vector<std::uint8_t> key;
        std::vector<std::uint8_t> keyEnd; // interval sets only
        std::vector<std::uint8_t> data;   // maps only
        std::optional<std::uint64_t> timeoutMs;
        std::string comment;
    };
    struct SetElements {
        std::string set;
        bool permission = false; // may vanish by itself: once_* and multi_*
        std::vector<Element> elements;
    };

    const std::vector<SetElements>& sets() const noexcept { return sets_; }

private:
    struct Message {
        std::uint16_t type;  // NFT_MSG_NEWSETELEM or NFT_MSG_DELSETELEM
        std::uint16_t flags; // NLM_F_*
        bool withValues;     // map values, timeouts and comments
        const char* verb;    // for errors: "adding 3 element(s) of set ..."
    };
    void send(Batch& batch, const Message& message, const SetElements& set) const;

    std::string table_;
    std::string group_;
    std::vector<SetElements> sets_;
};

} // namespace fwx::nft
