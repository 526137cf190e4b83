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
    // DELSETELEM for every set. Permissions go with DESTROYSETELEM, which does not fail
    // for elements the kernel already removed (consumed or expired).
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
    void send(Batch& batch, std::uint16_t type, const SetElements& set, bool withValues,
              const std::string& verb) const;

    std::string table_;
    std::string group_;
    std::vector<SetElements> sets_;
};

} // namespace fwx::nft
