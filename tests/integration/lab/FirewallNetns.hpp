// The firewall's network namespace: the test process's own, private one.
#pragma once

namespace fwx::test {

// Moves the whole process into a new, empty network namespace: the lab's firewall. Must
// run before any thread starts (lab main() does it first). Throws std::system_error.
void enterFirewallNetns();

// True if the calling thread is in the namespace enterFirewallNetns() created. The lab
// refuses to change anything anywhere else: `nft flush ruleset` on a developer's host
// would be a disaster.
bool inFirewallNetns();

} // namespace fwx::test
