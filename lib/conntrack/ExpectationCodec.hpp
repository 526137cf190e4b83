#pragma once

#include "conntrack/Expect.hpp"
#include "conntrack/Tuple.hpp"
#include "redirect/Expectation.hpp"
#include "redirect/Session.hpp"

#include <optional>
#include <string>

namespace fwx::conntrack {

// The primary's conntrack tuple: transport, client -> server.
Tuple masterTuple(const redirect::PrimaryConnection& primary);

// The kernel's form of an expectation: master tuple, expected tuple (source network, any
// source port -> destination), mask (the source prefix, source port 0, destination exact)
// and NF_CT_EXPECT_PERMANENT. With timeout, also ATTR_EXP_TIMEOUT, which the kernel only
// honours on an update (NFCT_Q_CREATE_UPDATE of an existing expectation).
Expect toKernel(const redirect::Expectation& expectation, bool withTimeout);

// None for what fwxd cannot have created: not TCP or UDP, or a mask that is not a source
// prefix.
std::optional<redirect::Expectation> fromKernel(const nf_expect* expect);

// "tcp 192.0.2.2 -> 203.0.113.1:41000 on primary tcp 192.0.2.2:5000 -> 198.51.100.2:6667"
std::string describe(const redirect::Expectation& expectation);
// "tcp 192.0.2.2:5000 -> 198.51.100.2:6667"
std::string describe(const redirect::PrimaryConnection& primary);

} // namespace fwx::conntrack
