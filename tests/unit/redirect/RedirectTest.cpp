#include "redirect/Redirect.hpp"

#include "net/Address.hpp"

#include <cstdint>

#include <gtest/gtest.h>

namespace fwx::redirect {
namespace {

RedirectGroup groupOf(GroupId id, const char* address, std::uint16_t first, unsigned count,
                      net::Transport transport) {
    RedirectGroup group;
    group.id = id;
    const net::Address internal = net::Address::parse(address);
    for (unsigned i = 0; i < count; ++i) {
        Redirect r;
        r.internal = {internal, static_cast<std::uint16_t>(first + i)};
        r.target = {net::Address::parse("192.0.2.10"), 80};
        r.transport = transport;
        r.allowedSource = net::Prefix::any(internal.family());
        group.redirects.push_back(r);
    }
    return group;
}

TEST(Describe, NamesTheRunOfPorts) {
    EXPECT_EQ(describe(groupOf(7, "203.0.113.1", 41000, 3, net::Transport::Tcp)),
              "group 7: 203.0.113.1:41000-41002/tcp");
}

TEST(Describe, SinglePortHasNoRange) {
    EXPECT_EQ(describe(groupOf(8, "203.0.113.1", 41000, 1, net::Transport::Udp)),
              "group 8: 203.0.113.1:41000/udp");
}

TEST(Describe, BracketsIPv6) {
    EXPECT_EQ(describe(groupOf(9, "2001:db8::1", 65534, 2, net::Transport::Tcp)),
              "group 9: [2001:db8::1]:65534-65535/tcp");
}

TEST(Describe, SurvivesAnEmptyGroup) {
    RedirectGroup group;
    group.id = 3;
    EXPECT_EQ(describe(group), "group 3: no redirects");
}

} // namespace
} // namespace fwx::redirect
