#pragma once

#include "error/Error.hpp"
#include "redirect/NftBackend.hpp"
#include "redirect/Redirect.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fwx::fakes {

// An nftables backend that remembers which groups are programmed. A call told to fail
// throws before it changes anything, as the real backend's transactions do.
class FakeNftBackend final : public redirect::NftBackend {
public:
    void addGroup(const redirect::RedirectGroup& group) override {
        ++calls_;
        throwIfTold(nextAddError_);
        added_.push_back(group);
        active_.insert_or_assign(group.id, group);
    }

    void removeGroup(const redirect::RedirectGroup& group) override {
        ++calls_;
        throwIfTold(nextRemoveError_);
        removed_.push_back(group);
        forget(group);
    }

    void addHelper(const redirect::HelperAssignment& assignment) override {
        ++calls_;
        throwIfTold(nextAddError_);
        helpers_.insert_or_assign(assignment.name, assignment);
    }

    void removeHelper(const redirect::HelperAssignment& assignment) override {
        ++calls_;
        throwIfTold(nextRemoveError_);
        helpers_.erase(assignment.name);
    }

    // The next addGroup or removeGroup, whichever comes first, throws error.
    void failNextCall(const Error& error) {
        nextAddError_ = error;
        nextRemoveError_ = error;
    }
    void failNextAdd(Error error) { nextAddError_ = std::move(error); }
    void failNextRemove(Error error) { nextRemoveError_ = std::move(error); }

    // Every call, including the failed ones.
    unsigned calls() const noexcept { return calls_; }
    // Successful calls, in order.
    const std::vector<redirect::RedirectGroup>& added() const noexcept { return added_; }
    const std::vector<redirect::RedirectGroup>& removed() const noexcept { return removed_; }
    // What the kernel would hold now: added and not removed since.
    const std::map<redirect::GroupId, redirect::RedirectGroup>& active() const noexcept {
        return active_;
    }
    // Helper assignments added and not removed since, by name.
    const std::map<std::string, redirect::HelperAssignment>& helpers() const noexcept {
        return helpers_;
    }

private:
    // A group may be removed a part at a time, as the real backend allows.
    void forget(const redirect::RedirectGroup& group) {
        const auto it = active_.find(group.id);
        if (it == active_.end()) {
            return;
        }
        auto& redirects = it->second.redirects;
        std::erase_if(redirects, [&](const redirect::Redirect& r) {
            return std::any_of(
                group.redirects.begin(), group.redirects.end(),
                [&](const redirect::Redirect& gone) { return gone.internal == r.internal; });
        });
        if (redirects.empty()) {
            active_.erase(it);
        }
    }

    void throwIfTold(std::optional<Error>& told) {
        if (told) {
            const Error error = *told;
            // "Next call" means one failure, whichever method it hits.
            nextAddError_.reset();
            nextRemoveError_.reset();
            throw error;
        }
    }

    std::optional<Error> nextAddError_;
    std::optional<Error> nextRemoveError_;
    unsigned calls_ = 0;
    std::vector<redirect::RedirectGroup> added_;
    std::vector<redirect::RedirectGroup> removed_;
    std::map<redirect::GroupId, redirect::RedirectGroup> active_;
    std::map<std::string, redirect::HelperAssignment> helpers_;
};

} // namespace fwx::fakes
