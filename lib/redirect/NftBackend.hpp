#pragma once

#include "error/Error.hpp"
#include "redirect/HelperAssignment.hpp"
#include "redirect/Redirect.hpp"

#include <cstddef>
#include <optional>
#include <span>

namespace fwx::redirect {

// What removeRedirects() achieved: the first `removed` redirects are gone from the kernel.
// When that is not all of them, error says why the kernel refused the next transaction;
// the rest are still programmed, exactly as before the call.
struct Removal {
    std::size_t removed = 0;
    std::optional<Error> error;
};

// The nftables side of redirects: DNAT, SNAT, permissions and the gate.
// Real: nft::Engine. Fake: tests/unit/fakes/FakeNftBackend.
class NftBackend {
public:
    virtual ~NftBackend() = default;
    // Programs every redirect of the group in one kernel transaction: all or nothing, at
    // every size the configuration allows. Throws fwx::Error(Failed) naming the errno and
    // the object the kernel refused.
    virtual void addGroup(const RedirectGroup& group) = 0;
    // Removes every trace of the redirects (of one group or of many), in order, in
    // transactions small enough that forwarding does not stall while the kernel applies
    // them; each redirect goes whole or not at all. Permissions the kernel already consumed
    // or expired are not an error. Does not throw for a kernel refusal: see Removal.
    virtual Removal removeRedirects(std::span<const Redirect> redirects) = 0;
    // Attaches a kernel conntrack helper to new connections of the assignment's ports, in
    // one transaction (a ct helper object plus its ports). Throws fwx::Error(Failed), e.g.
    // EEXIST when a port already has a helper.
    virtual void addHelper(const HelperAssignment& assignment) = 0;
    // Undoes addHelper in one transaction; connections that have the helper keep it.
    virtual void removeHelper(const HelperAssignment& assignment) = 0;
};

} // namespace fwx::redirect
