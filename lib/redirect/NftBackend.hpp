#pragma once

#include "redirect/HelperAssignment.hpp"
#include "redirect/Redirect.hpp"

namespace fwx::redirect {

// The nftables side of redirects: DNAT, SNAT, permissions and the gate.
// Real: nft::Engine. Fake: tests/unit/fakes/FakeNftBackend.
class NftBackend {
public:
    virtual ~NftBackend() = default;
    // Programs every redirect of the group in one kernel transaction: all or nothing.
    // Throws fwx::Error(Failed) naming the errno and the object the kernel refused.
    virtual void addGroup(const RedirectGroup& group) = 0;
    // Removes every trace of the group in one transaction. Permissions the kernel
    // already consumed or expired are not an error.
    virtual void removeGroup(const RedirectGroup& group) = 0;
    // Attaches a kernel conntrack helper to new connections of the assignment's ports, in
    // one transaction (a ct helper object plus its ports). Throws fwx::Error(Failed), e.g.
    // EEXIST when a port already has a helper.
    virtual void addHelper(const HelperAssignment& assignment) = 0;
    // Undoes addHelper in one transaction; connections that have the helper keep it.
    virtual void removeHelper(const HelperAssignment& assignment) = 0;
};

} // namespace fwx::redirect
