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

    std::optional<redirect::Flow> lookup(const redirect::Flow& flow) override {
        throwIfTold();
        ++lookups_;
        for (const redirect::Flow& entry : entries_) {
            if (entry.transport == flow.transport && entry.client == flow.client &&
                entry.internal == flow.internal && (flow.id == 0 || entry.id == flow.id)) {
                return entry;
            }
        }
        return std::nullopt;
    }

    unsigned removeStaleFlows(const redirect::RedirectGroup& group) override {
        throwIfTold();
        cleaned_.push_back(group);
        return 0;
    }

    // What lookup() finds from now on: the entry as the kernel would hold it.
    void hold(const redirect::Flow& flow) {
        std::erase_if(entries_, [&](const redirect::Flow& entry) {
            return entry.transport == flow.transport && entry.client == flow.client &&
                   entry.internal == flow.internal;
        });
        entries_.push_back(flow);
    }
    unsigned lookups() const noexcept { return lookups_; }

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
    std::vector<redirect::Flow> entries_;
    unsigned lookups_ = 0;
};

} // namespace fwx::fakes
