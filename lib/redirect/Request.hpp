#pragma once

#include "net/Address.hpp"
#include "net/Endpoint.hpp"
#include "net/Prefix.hpp"
#include "net/Transport.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace fwx::redirect {

// A RedirectConnections request after its D-Bus arguments were parsed, before validation.
struct Request {
    std::vector<net::Endpoint> targets;               // one redirect per target
    std::optional<net::Address> internalAddress;      // none: pick a configured one
    std::optional<net::Address> proxyExternalAddress; // none: no SNAT
    net::Transport transport = net::Transport::Tcp;
    std::uint32_t flags = 0;                          // redirect::flags::*
    std::optional<std::chrono::microseconds> timeout; // with flags::Timeout; none: default
    std::optional<net::Prefix> allowedSource;         // none: anyone
    // Back the redirects with conntrack expectations (the SessionRegistry decides).
    bool expected = false;
    // A data filter is registered for the request's protocol (the daemon knows): the
    // redirects are user mode and hand their connections over.
    bool handOver = false;
};

} // namespace fwx::redirect
