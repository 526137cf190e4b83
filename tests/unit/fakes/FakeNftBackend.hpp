#pragma once

#include "error/Error.hpp"
#include "redirect/NftBackend.hpp"
#include "redirect/Redirect.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <span>
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

    // A failure told for the next removal refuses its first transaction: nothing goes.
    redirect::Removal removeRedirects(std::span<const redirect::Redirect> redirects) override {
        ++calls_;
        redirect::Removal removal;
        if (nextRemoveError_) {
            removal.error = *nextRemoveError_;
            nextAddError_.reset();
            nextRemoveError_.reset();
            return removal;
        }
        removed_.emplace_back(redirects.begin(), redirects.end());
        for (const redirect::Redirect& r : redirects) {
            forget(r);
        }
        removal.removed = redirects.size();
        return removal;
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

    // The next addGroup or removeRedirects, whichever comes first, fails with error.
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
    // The redirects of each successful removeRedirects, in order.
    const std::vector<std::vector<redirect::Redirect>>& removed() const noexcept {
        return removed_;
    }
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
    void forget(const redirect::Redirect& gone) {
        for (auto it = active_.begin(); it != active_.end(); ++it) {
            auto& redirects = it->second.redirects;
            const auto erased = std::erase_if(redirects, [&](const redirect::Redirect& r) {
                return r.internal == gone.internal && r.transport == gone.transport;
            });
            if (erased == 0) {
                continue;
            }
            if (redirects.empty()) {
                active_.erase(it);
            }
            return;
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
    std::vector<std::vector<redirect::Redirect>> removed_;
    std::map<redirect::GroupId, redirect::RedirectGroup> active_;
    std::map<std::string, redirect::HelperAssignment> helpers_;
};

} // namespace fwx::fakes
