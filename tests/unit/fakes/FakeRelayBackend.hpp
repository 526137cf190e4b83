#pragma once

#include "error/Error.hpp"
#include "redirect/RelayBackend.hpp"

#include <optional>
#include <utility>
#include <vector>

namespace fwx::fakes {

// A relay backend that remembers which redirects it relays and what it was told. An add
// told to fail throws before it changes anything, as the real pool's all-or-none does.
class FakeRelayBackend final : public redirect::RelayBackend {
public:
    void addGroup(const redirect::RedirectGroup& group) override {
        if (nextAddError_) {
            throw *std::exchange(nextAddError_, std::nullopt);
        }
        for (const redirect::Redirect& r : group.redirects) {
            relaying.push_back(r);
        }
    }
    void stopAdmitting(const redirect::Redirect& redirect) noexcept override {
        stopped.push_back(redirect);
    }
    void remove(const redirect::Redirect& redirect) noexcept override {
        removed.push_back(redirect);
        std::erase_if(relaying, [&](const redirect::Redirect& r) {
            return r.transport == redirect.transport && r.internal == redirect.internal;
        });
    }

    void failNextAdd(Error error) { nextAddError_ = std::move(error); }

    std::vector<redirect::Redirect> relaying;
    std::vector<redirect::Redirect> stopped;
    std::vector<redirect::Redirect> removed;

private:
    std::optional<Error> nextAddError_;
};

} // namespace fwx::fakes
