// Connections from the lab's client through a random port that a redirect holds or held: the
// model predicts whether it reaches the redirect's target or is refused, and a connection
// that gets through counts as a use of the action. Some TCP connections stay open on the
// client's side (the target has closed its own) until a later hang-up: they keep their
// action, and its port, while they live, whatever becomes of the action meanwhile.
#include "Calls.hpp"
#include "SoakDriver.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace fwx::test::soak {

namespace {

// A connection is only tried through a TIMEOUT permission this far from its deadline.
constexpr milliseconds TrafficMargin{1000};
// How close to its deadline a permission may be when a connection through it fails.
constexpr milliseconds DeadlineMargin{250};
// Ports to try before the step does something else instead.
constexpr int ProbeAttempts = 8;
// The client's source ports, used in turn: a port the kernel picked could be one whose
// earlier flow conntrack still tracks, and a datagram would follow that flow's DNAT.
constexpr std::uint16_t FirstSourcePort = 20000;
constexpr std::uint16_t SourcePorts = 10000;
// Connections held open: at most this many at once, for at most this long (conntrack's
// CLOSE_WAIT timeout is 60 s, the target's FIN_WAIT2 60 s too).
constexpr std::size_t MaxHeldOpen = 6;
constexpr std::chrono::seconds MaxHoldOpen{20};

struct Probe {
    net::Transport transport = net::Transport::Tcp;
    net::Endpoint internal;
};

} // namespace

// The action that holds the port, or held it last: the newest one on it that fwxd may still
// keep (programmed, or cancelled or detached while a connection lives). An older one has let
// the port go (fwxd hands out free ports only), and one that finished released it.
ModelAction* SoakDriver::holderOf(net::Transport transport, const net::Endpoint& internal) {
    ModelAction* newest = nullptr;
    for (auto& [path, action] : model_.actions) {
        if (action.transport != transport || action.internal != internal) {
            continue;
        }
        if (newest == nullptr || path.size() > newest->path.size() ||
            (path.size() == newest->path.size() && path > newest->path)) {
            newest = &action;
        }
    }
    return newest;
}

Target& SoakDriver::targetFor(net::Transport transport, Family family,
                              const std::optional<net::Endpoint>& address) {
    auto& servers = targets_.at({family, transport});
    for (auto& server : servers) {
        if (address && server->address().address() == address->address.toString() &&
            server->address().port() == address->port) {
            return *server;
        }
    }
    if (address) {
        throw std::logic_error("no lab server at " + address->toString());
    }
    return *servers.front();
}

void SoakDriver::traffic() {
    ran_ = "traffic";
    for (int attempt = 0; attempt < ProbeAttempts; ++attempt) {
        Probe probe;
        if (!model_.actions.empty() && (model_.gone.empty() || chance(0.7))) {
            auto it = model_.actions.begin();
            std::advance(it, static_cast<std::ptrdiff_t>(below(model_.actions.size())));
            probe = Probe{it->second.transport, it->second.internal};
        } else if (!model_.gone.empty()) {
            const ModelAction& gone = model_.gone.at(below(model_.gone.size()));
            probe = Probe{gone.transport, gone.internal};
        } else {
            break;
        }
        ModelAction* holder = holderOf(probe.transport, probe.internal);
        const Family family = probe.internal.family();
        const auto admits =
            holder != nullptr ? holder->admits(SteadyClock::now(), TrafficMargin) : false;
        if (!admits.has_value()) {
            continue; // its deadline is passing: either outcome would be right
        }
        const bool fromAllowed =
            holder != nullptr &&
            holder->allowedSource.contains(net::Address::parse(Lab::clientAddress(family)));
        const bool reaches = *admits && fromAllowed;
        connectThrough(probe.transport, probe.internal, holder, reaches);
        return;
    }
    redirect();
}

// The next source port in turn that no connection the soak knows to live uses.
std::uint16_t SoakDriver::freshSourcePort() {
    for (;;) {
        const auto port = static_cast<std::uint16_t>(FirstSourcePort + nextSourcePort_);
        nextSourcePort_ = static_cast<std::uint16_t>((nextSourcePort_ + 1) % SourcePorts);
        const bool inUse =
            std::any_of(model_.connections.begin(), model_.connections.end(),
                        [&](const ModelConnection& c) { return c.client.port == port; });
        if (!inUse) {
            return port;
        }
    }
}

// The client closes a connection it held open: conntrack sees it end (TIME_WAIT), fwxd sends
// Closed, and the action finishes if it admits nothing more.
void SoakDriver::hangUp() {
    ran_ = "hang-up";
    if (heldOpen_.empty()) {
        traffic();
        return;
    }
    auto it = heldOpen_.begin();
    std::advance(it, static_cast<std::ptrdiff_t>(below(heldOpen_.size())));
    hangUp(it->first);
}

void SoakDriver::hangUp(std::uint64_t connection) {
    heldOpen_.erase(connection); // closes the socket
    for (ModelConnection& c : model_.connections) {
        if (c.id == connection) {
            c.heldOpen = false;
            current_ = fmt::format("hang-up: {} -> {}/{} through {}", c.client.toString(),
                                   c.internal.toString(), net::toString(c.transport),
                                   std::string(c.action));
        }
    }
}

void SoakDriver::hangUpOld() {
    const SteadyTime now = SteadyClock::now();
    for (const ModelConnection& c : model_.connections) {
        if (c.heldOpen && now - c.madeAt > MaxHoldOpen) {
            heldOpen_.erase(c.id);
        }
    }
    for (ModelConnection& c : model_.connections) {
        c.heldOpen = c.heldOpen && heldOpen_.contains(c.id);
    }
}

// What conntrack says of a connection whose outcome was not the predicted one.
std::string SoakDriver::conntrackOf(net::Transport transport, std::uint16_t sourcePort,
                                    const net::Endpoint& internal) const {
    const ConnectionMade made{
        transport,
        net::Endpoint{net::Address::parse(Lab::clientAddress(internal.family())), sourcePort},
        internal};
    const auto entry = kernel_.entryOf(made);
    if (!entry) {
        return "conntrack has no entry of it";
    }
    return fmt::format("conntrack: {} -> {} replied by {} to {}{}", entry->client.toString(),
                       entry->internal.toString(), entry->target.toString(),
                       entry->source.toString(), entry->established ? ", established" : "");
}

void SoakDriver::connectThrough(net::Transport transport, const net::Endpoint& internal,
                                ModelAction* holder, bool reaches) {
    const Family family = internal.family();
    current_ = fmt::format("traffic: {}/{} held by {}, expected to be {}", internal.toString(),
                           net::toString(transport),
                           holder != nullptr ? std::string(holder->path) : "nothing",
                           reaches ? "reached" : "refused");
    Target& target =
        targetFor(transport, family, reaches ? std::optional(holder->target) : std::nullopt);
    const SocketAddress to(internal.address.toString(), internal.port);
    const std::uint16_t sourcePort = freshSourcePort();
    const fwx::test::Client from{&context_.lab.client(), {}, sourcePort};
    if (!reaches) {
        // Refused for good: used up, past its deadline, or not from an allowed source.
        const ::testing::AssertionResult refused = target.refusedVia(to, from);
        if (!refused) {
            throw Mismatch(fmt::format("{}: {} (from port {}; {})", current_, refused.message(),
                                       sourcePort, conntrackOf(transport, sourcePort, internal)));
        }
        ++tally_.refused;
        return;
    }
    std::optional<SocketAddress> clientSide;
    UniqueFd held;
    const bool holdOpen =
        transport == net::Transport::Tcp && heldOpen_.size() < MaxHeldOpen && chance(0.3);
    const ::testing::AssertionResult reached =
        target.reachedVia(to, from, nullptr, &clientSide, holdOpen ? &held : nullptr);
    if (!reached) {
        // Only a deadline that passed while the connection was being made excuses it.
        if (holder->phase(SteadyClock::now(), DeadlineMargin) == Phase::Open) {
            throw Mismatch(fmt::format("{}: {} (from port {}; {})", current_, reached.message(),
                                       sourcePort, conntrackOf(transport, sourcePort, internal)));
        }
        ++tally_.refused;
        return;
    }
    ++holder->reached;
    ModelConnection made;
    made.id = nextConnection_++;
    made.action = holder->path;
    made.transport = transport;
    made.client = net::Endpoint{net::Address::parse(clientSide->address()), clientSide->port()};
    made.internal = internal;
    made.heldOpen = holdOpen;
    made.madeAt = SteadyClock::now();
    if (holdOpen) {
        heldOpen_.emplace(made.id, std::move(held));
        ++tally_.heldOpen;
    }
    model_.connections.push_back(std::move(made));
    ++tally_.reached;
}

} // namespace fwx::test::soak
