// Socket plumbing shared by the lab's traffic helpers.
#pragma once

#include "lab/SocketAddress.hpp"
#include "lab/UniqueFd.hpp"

namespace fwx::test {

class Netns;

// A non-blocking, close-on-exec socket of family and type (SOCK_STREAM / SOCK_DGRAM),
// created inside ns, or in the calling thread's namespace (the firewall) if ns is null.
UniqueFd openSocket(const Netns* ns, Family family, int type);

// Binds fd to address (port 0 = ephemeral). Sets SO_REUSEADDR first so that a fixed port
// is reusable while an earlier test's connection sits in TIME_WAIT.
void bindTo(int fd, const SocketAddress& address);

SocketAddress localAddressOf(int fd);
SocketAddress peerAddressOf(int fd);

} // namespace fwx::test
