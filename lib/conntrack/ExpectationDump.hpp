#pragma once

#include "conntrack/Handle.hpp"
#include "net/Address.hpp"
#include "redirect/Expectation.hpp"

#include <vector>

namespace fwx::conntrack {

// One dump of the family's expectation table through handle (an expectation handle),
// parsed; expectations fwxd cannot have created (not TCP or UDP, a mask that is not a
// source prefix) are left out. Throws fwx::Error(Failed) with the errno.
std::vector<redirect::Expectation> dumpExpectations(const Handle& handle, net::Family family);

} // namespace fwx::conntrack
