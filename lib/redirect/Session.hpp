#pragma once

#include "net/Endpoint.hpp"
#include "net/Transport.hpp"
#include "redirect/Action.hpp"
#include "redirect/Owner.hpp"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace fwx::redirect {

// The primary connection a session belongs to, as the client and server saw it (before
// NAT): redirects default to admitting only its client.
struct PrimaryConnection {
    net::Transport transport = net::Transport::Tcp;
    net::Endpoint client;
    net::Endpoint server;
};

struct SessionOptions {
    std::optional<PrimaryConnection> primary;
    std::string description;
};

// A requester's context for redirects (ISA's IFWXSession).
struct Session {
    SessionId id = 0;
    Owner owner;
    SessionOptions options;
    std::set<ActionId> actions; // ids only grow: this is creation order
};

} // namespace fwx::redirect
