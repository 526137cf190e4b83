// Conntrack expectations (from events and dumps) in the domain's terms.
#pragma once

#include "redirect/Expectation.hpp"

#include <optional>

struct nf_expect;

namespace fwx::conntrack {

// The expectation: none unless master and expected connection are TCP or UDP over IPv4
// or IPv6. The source prefix is as long as the mask's leading one bits (the kernel allows
// any mask; a non-contiguous one is read as the shorter, wider prefix). timeout is the
// time left.
std::optional<redirect::Expectation> expectationOf(const nf_expect* exp);

} // namespace fwx::conntrack
