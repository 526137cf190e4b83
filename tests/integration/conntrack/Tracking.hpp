// Conntrack in the lab's firewall as the listener's tests need it.
#pragma once

#include "lab/SocketAddress.hpp"
#include "net/Endpoint.hpp"

#include <cstdint>

namespace fwx::test {

// Events for every connection (nf_conntrack_events=1, through the code under test),
// byte counters, TIME_WAIT cut to 1 s so that closed TCP connections are destroyed soon,
// and an nft rule that makes conntrack track the firewall's traffic at all. Call it after
// the Lab exists: its teardown flushes the ruleset.
void trackConnections();

// `ct helper set` of the irc helper on TCP port 6667, before the master is confirmed.
inline constexpr std::uint16_t ircPort = 6667;
void attachIrcHelper();

net::Endpoint endpointOf(const SocketAddress& address);

} // namespace fwx::test
