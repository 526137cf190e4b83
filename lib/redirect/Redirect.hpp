// lib/redirect: the domain — requests, redirects and groups, port allocation, validation,
// and the Service that decides what the kernel must do.
//
// Lives here: pure logic plus the small interfaces through which it reaches the kernel
// (NftBackend, FlowTable, Host). Depends on net/ and error/ only; the kernel backends
// (nft/, conntrack/) implement these interfaces, never the other way round.
#pragma once

#include "net/Address.hpp"
#include "net/Endpoint.hpp"
#include "net/Prefix.hpp"
#include "net/Transport.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fwx::redirect {

// The flags of RedirectConnections (ISA's FWX_FLAG_*).
namespace flags {
inline constexpr std::uint32_t AllowMultiple = 0x1;
inline constexpr std::uint32_t Timeout = 0x2;
inline constexpr std::uint32_t NoKernelMode = 0x4;
inline constexpr std::uint32_t Known = AllowMultiple | Timeout | NoKernelMode;
} // namespace flags

using GroupId = std::uint64_t;

// One permitted port as programmed in the kernel: connections from allowedSource to
// internal are sent on to target, optionally from snatSource.
struct Redirect {
    net::Endpoint internal;
    net::Endpoint target;
    std::optional<net::Address> snatSource; // none: the client's address is kept
    net::Transport transport = net::Transport::Tcp;
    bool singleUse = true; // false with ALLOW_MULTIPLE
    // With TIMEOUT: the kernel forgets an unused permission after this long.
    std::optional<std::chrono::milliseconds> permissionTimeout;
    net::Prefix allowedSource; // Prefix::any(family) when anyone may connect
    // Backed by a conntrack expectation on the session's primary connection: the kernel's
    // expectation is the permission (connections arrive RELATED, "ct status expected"),
    // so nft holds only the port, its DNAT and SNAT, and no permission elements.
    bool expected = false;
    // NO_KERNEL_MODE: the daemon relays the connections itself (RelayBackend): it listens
    // on the internal port and decides who is admitted; nft holds nothing for it.
    bool userMode = false;
    // A data filter takes each connection (userMode too): once the target answered, both
    // sockets are handed to it over D-Bus and the daemon relays nothing itself.
    bool handOver = false;
};

// The redirects of one RedirectConnections call: N consecutive ports on one internal
// address, programmed and removed as one kernel transaction.
struct RedirectGroup {
    GroupId id = 0;
    std::vector<Redirect> redirects;

    net::Family family() const { return redirects.front().internal.family(); }
    net::Transport transport() const { return redirects.front().transport; }
};

// One-line description for logs and kernel comments: "group 7: 192.0.2.1:41000-41002/tcp".
std::string describe(const RedirectGroup& group);

} // namespace fwx::redirect
