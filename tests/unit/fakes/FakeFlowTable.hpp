#pragma once

#include "error/Error.hpp"
#include "redirect/Flow.hpp"
#include "redirect/FlowTable.hpp"
#include "redirect/Redirect.hpp"

#include <optional>
#include <utility>
#include <vector>

namespace fwx::fakes {

// A conntrack table that records which entries it was asked to delete, and which groups it
// was asked to clean up the slow way.
class FakeFlowTable final : public redirect::FlowTable {
public:
    unsigned remove(const std::vector<redirect::Flow>& flows) override {
        throwIfTold();
        removed_.insert(removed_.end(), flows.begin(), flows.end());
        return static_cast<unsigned>(flows.size());
    }

    unsigned removeStaleFlows(const redirect::RedirectGroup& group) override {
        throwIfTold();
        cleaned_.push_back(group);
        return 0;
    }

    // The next call throws error (and records nothing).
    void failNextCall(Error error) { nextError_ = std::move(error); }

    const std::vector<redirect::Flow>& removed() const noexcept { return removed_; }
    const std::vector<redirect::RedirectGroup>& cleaned() const noexcept { return cleaned_; }

private:
    void throwIfTold() {
        if (nextError_) {
            const Error error = *std::exchange(nextError_, std::nullopt);
            throw error;
        }
    }

    std::optional<Error> nextError_;
    std::vector<redirect::Flow> removed_;
    std::vector<redirect::RedirectGroup> cleaned_;
};

} // namespace fwx::fakes
