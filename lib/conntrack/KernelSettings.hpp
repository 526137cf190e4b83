// The conntrack sysctls fwxd relies on, in the calling thread's network namespace. They
// ship in /usr/lib/sysctl.d/50-fwxd.conf; the daemon checks them at start-up and sets
// them itself where it may (/proc/sys is read-only under ProtectKernelTunables=yes).
#pragma once

namespace fwx::conntrack {

// Makes sure net.netfilter.nf_conntrack_events is 1, setting it if it is not. Throws
// fwx::Error(Failed) saying what it is, why fwxd needs 1 and how to set it if it is not 1
// and cannot be set.
void requireConntrackEvents();

// Tries to make net.netfilter.nf_conntrack_acct 1: true if it is (now), false if it is not
// and cannot be set (connections then close with zero counters). Throws
// fwx::Error(Failed) only if the setting cannot be read.
bool enableAccounting();

} // namespace fwx::conntrack
