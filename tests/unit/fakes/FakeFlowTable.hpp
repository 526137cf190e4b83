#pragma once

#include "error/Error.hpp"
#include "redirect/FlowTable.hpp"
#include "redirect/Redirect.hpp"

#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace fwx::fakes {

// A conntrack table that records which groups it was asked to clean up.
class FakeFlowTable final : public redirect::FlowTable {
public:
    unsigned removeStaleFlows(const redirect::RedirectGroup& group) override {
        if (nextError_) {
            const Error error = *std::exchange(nextError_, std::nullopt);
            throw error;
        }
        cleaned_.push_back(group);
        return staleFlows_;
    }

    bool hasConnection(const redirect::Redirect& redirect) override {
        return connected_.contains(redirect.internal);
    }

    // A connection through the redirect on internal now exists (or no longer does).
    void setConnected(const net::Endpoint& internal, bool connected = true) {
        if (connected) {
            connected_.insert(internal);
        } else {
            connected_.erase(internal);
        }
    }

    // What removeStaleFlows reports from now on.
    void setStaleFlows(unsigned count) noexcept { staleFlows_ = count; }
    // The next removeStaleFlows throws error (and records nothing).
    void failNextCall(Error error) { nextError_ = std::move(error); }

    const std::vector<redirect::RedirectGroup>& cleaned() const noexcept { return cleaned_; }

private:
    unsigned staleFlows_ = 0;
    std::optional<Error> nextError_;
    std::vector<redirect::RedirectGroup> cleaned_;
    std::set<net::Endpoint> connected_;
};

} // namespace fwx::fakes
