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

// A Request that RequestValidator accepted, with every default resolved: what the Service
// needs to allocate ports and build the redirects, and nothing it would have to re-check.
struct ValidRequest {
    std::vector<net::Endpoint> targets; // non-empty, all of family
    net::Family family = net::Family::V4;
    net::Address internalAddress;           // configured, local, of family
    std::optional<net::Address> snatSource; // local, of family; none: no SNAT
    net::Transport transport = net::Transport::Tcp;
    std::uint32_t flags = 0; // only known bits
    bool singleUse = true;   // !(flags & flags::AllowMultiple)
    // Only with flags::Timeout: the request's timeout or the default, rounded up to ms.
    std::optional<std::chrono::milliseconds> permissionTimeout;
    net::Prefix allowedSource; // Prefix::any(family) when anyone may connect
    bool expected = false;     // see Redirect::expected
    bool userMode = false;     // flags::NoKernelMode or handOver, see Redirect::userMode
    bool handOver = false;     // see Redirect::handOver
};

} // namespace fwx::redirect
