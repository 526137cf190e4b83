// fwx::test::becomeLabFirewall: what every integration test binary does first, in main().
#pragma once

namespace fwx::test {

// Checks for root, moves the process into a network namespace of its own (the lab's
// firewall) and deletes namespaces a crashed lab process left behind. Without root or
// namespaces it prints "integration tests need root and network namespaces: ..." and
// exits with a failure: integration tests never skip. Call it before any thread starts.
void becomeLabFirewall();

} // namespace fwx::test
