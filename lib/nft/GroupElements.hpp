#pragma once

#include "nft/Batch.hpp"
#include "nft/SetElement.hpp"
#include "nft/SingleUseLimit.hpp"
#include "redirect/Redirect.hpp"

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace fwx::nft {

// The set and map elements (and single-use limit objects) that program redirects,
// gathered set by set so that N ports cost a few messages per set, all in one batch.
class GroupElements {
public:
    // A whole group, for adding it: every element's comment names the group and target.
    GroupElements(const redirect::RedirectGroup& group, std::string table);
    // Redirects of any groups and families, for removing them (no comments needed).
    GroupElements(std::span<const redirect::Redirect> redirects, std::string table);

    // Every set's elements (NEWSETELEM, exclusive: an element that exists already fails
    // the batch), ports_* first; the limit objects go just before once_limits_*, which
    // refers to them.
    void addTo(Batch& batch) const;
    // Every set's elements (DELSETELEM), then the limit objects, which the kernel only
    // deletes once no element refers to them. Permissions the kernel already expired are
    // no error: see removeFrom in GroupElements.cpp.
    void removeFrom(Batch& batch) const;

    // The element and object operations removeFrom spends on redirect: what a removal's
    // bound on transaction size counts.
    static std::size_t removalOperations(const redirect::Redirect& redirect);

    using Element = SetElement;
    struct SetElements {
        std::string set;
        bool permission = false;      // once_* and multi_*
        std::size_t expiring = 0;     // permissions only: the first ones have a timeout
        bool refersToObjects = false; // once_limits_*: its elements map to limit objects
        std::vector<Element> elements;
    };

    const std::vector<SetElements>& sets() const noexcept { return sets_; }
    const std::vector<SingleUseLimit>& limits() const noexcept { return limits_; }

private:
    void gather(std::span<const redirect::Redirect> redirects,
                const redirect::RedirectGroup* group);

    std::string table_;
    std::string about_; // whose elements, for errors: "group 7: 192.0.2.1:41000-41063/tcp"
    std::vector<SetElements> sets_;
    std::vector<SingleUseLimit> limits_;
};

} // namespace fwx::nft
