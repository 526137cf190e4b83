#pragma once

#include "error/Error.hpp"
#include "redirect/Flow.hpp"
#include "redirect/Redirect.hpp"

namespace fwx::redirect {

// What user-mode redirects report about their connections, in conntrack's terms, so that
// one path (SessionRegistry::onRelayed) follows them as it follows kernel-mode ones: New
// when a client is admitted, Update with established when the target answered, Destroy
// with the byte counters (no packet counts: a relay sees no packets) when it ended.
class RelayEvents {
public:
    virtual ~RelayEvents() = default;
    // Called on the event loop, possibly inside a RelayBackend call: queue it, do not
    // re-enter the registry from here.
    virtual void onRelayed(const FlowEvent& event) noexcept = 0;
    // A relay failed at something that belongs to no connection (e.g. accept: EMFILE); it
    // goes on. For the log.
    virtual void onRelayError(const Error& error) noexcept = 0;
};

// The user-mode side of redirects (NO_KERNEL_MODE): a relay per redirect, inside the daemon,
// listening (TCP) or bound (UDP) on the internal address and port, admitting clients as
// the kernel's permissions would, and connecting each to the target.
// Real: relay::RelayPool. Fake: tests/unit/fakes/FakeRelayBackend.
class RelayBackend {
public:
    virtual ~RelayBackend() = default;
    // Opens a relay for every redirect of the group, all or none. Throws fwx::Error(Failed)
    // with the errno when a socket cannot be set up (e.g. EADDRINUSE).
    virtual void addGroup(const RedirectGroup& group) = 0;
    // The permission lapsed: no new clients; live connections go on.
    virtual void stopAdmitting(const Redirect& redirect) noexcept = 0;
    // Closes the relay and cuts its live connections (each reported Destroyed, later, to
    // RelayEvents). Unknown redirects are ignored.
    virtual void remove(const Redirect& redirect) noexcept = 0;
};

} // namespace fwx::redirect
