// ctnetlink event messages in the domain's terms.
#pragma once

#include "redirect/Flow.hpp"

#include <optional>

struct nlmsghdr;

namespace fwx::conntrack {

// A conntrack event (subsystem CTNETLINK): NEW is a message with NLM_F_CREATE, UPDATE one
// without, DESTROY a delete. None for other messages and for flows flowOf() skips.
// Throws fwx::Error(Failed) only when out of memory.
std::optional<redirect::FlowEvent> flowEventOf(const nlmsghdr& message);

// An expectation event (subsystem CTNETLINK_EXP): NEW or DESTROY. None for other messages
// and for expectations fromKernel() skips.
std::optional<redirect::ExpectationEvent> expectationEventOf(const nlmsghdr& message);

} // namespace fwx::conntrack
