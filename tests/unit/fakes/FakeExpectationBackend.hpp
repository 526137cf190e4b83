#pragma once

#include "error/Error.hpp"
#include "redirect/ExpectationBackend.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fwx::fakes {

// Conntrack expectations as a list: primaries are told by tuple which helper they carry,
// create/remove keep the list. A create told to fail throws before it changes anything.
class FakeExpectationBackend final : public redirect::ExpectationBackend {
public:
    // The primary is tracked and carries helper ("" = none).
    void addPrimary(const redirect::PrimaryConnection& primary, std::string helper) {
        primaries_.insert_or_assign(keyOf(primary), std::move(helper));
    }
    // The primary's conntrack entry is gone, and its expectations with it.
    void removePrimary(const redirect::PrimaryConnection& primary) {
        primaries_.erase(keyOf(primary));
        std::erase_if(expectations_, [&](const redirect::Expectation& e) {
            return keyOf(e.master) == keyOf(primary);
        });
    }
    void failNextCreate(Error error) { nextCreateError_ = std::move(error); }

    std::optional<std::string> helperOf(const redirect::PrimaryConnection& primary) override {
        const auto it = primaries_.find(keyOf(primary));
        if (it == primaries_.end()) {
            return std::nullopt;
        }
        return it->second;
    }

    std::vector<redirect::Expectation> list(const redirect::PrimaryConnection& primary) override {
        std::vector<redirect::Expectation> found;
        std::copy_if(
            expectations_.begin(), expectations_.end(), std::back_inserter(found),
            [&](const redirect::Expectation& e) { return keyOf(e.master) == keyOf(primary); });
        return found;
    }

    void create(const std::vector<redirect::Expectation>& expectations) override {
        if (nextCreateError_) {
            const Error error = *nextCreateError_;
            nextCreateError_.reset();
            throw error;
        }
        expectations_.insert(expectations_.end(), expectations.begin(), expectations.end());
    }

    void remove(const std::vector<redirect::Expectation>& expectations) override {
        for (const redirect::Expectation& gone : expectations) {
            std::erase_if(expectations_,
                          [&](const redirect::Expectation& e) { return e.sameAs(gone); });
        }
    }

    // What the kernel would hold now.
    const std::vector<redirect::Expectation>& expectations() const noexcept {
        return expectations_;
    }

private:
    using Key = std::pair<net::Endpoint, net::Endpoint>;
    static Key keyOf(const redirect::PrimaryConnection& primary) {
        return {primary.client, primary.server};
    }

    std::map<Key, std::string> primaries_;
    std::vector<redirect::Expectation> expectations_;
    std::optional<Error> nextCreateError_;
};

} // namespace fwx::fakes
