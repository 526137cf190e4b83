#pragma once

#include "net/Endpoint.hpp"
#include "net/Prefix.hpp"
#include "net/Transport.hpp"
#include "redirect/Session.hpp"

#include <chrono>
#include <string>

namespace fwx::redirect {

// A conntrack expectation hung on a primary connection: the kernel admits one connection
// (or many, when permanent) from source to destination as RELATED to the primary.
struct Expectation {
    PrimaryConnection master;
    net::Transport transport = net::Transport::Tcp; // of the expected connection
    net::Prefix source;                             // who may connect; any source port
    net::Endpoint destination;                      // internal address and port
    bool permanent = false;                         // NF_CT_EXPECT_PERMANENT
    // To create: how long it lives. From the kernel (events, dumps): the time left.
    std::chrono::seconds timeout{0};
    // From the kernel: the master's helper, which owns the expectation.
    std::string helper;

    // Master and expected tuple: what identifies an expectation (the library has no id).
    bool sameAs(const Expectation& other) const noexcept {
        return master.transport == other.master.transport && master.client == other.master.client &&
               master.server == other.master.server && transport == other.transport &&
               source == other.source && destination == other.destination;
    }
};

} // namespace fwx::redirect
