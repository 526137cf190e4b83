// fwx::test::createExpectation: a conntrack expectation made directly through
// libnetfilter_conntrack, so that the listener's tests do not depend on the code that
// makes them in the daemon.
#pragma once

#include "net/Address.hpp"
#include "net/Endpoint.hpp"
#include "redirect/Session.hpp"

namespace fwx::test {

// Expects a TCP connection from source (any port) to destination, as RELATED to master,
// whose conntrack entry must carry a kernel helper. IPv4 only. Throws std::system_error.
void createExpectation(const redirect::PrimaryConnection& master, const net::Address& source,
                       const net::Endpoint& destination);

} // namespace fwx::test
