#include "conntrack/ExpectationParser.hpp"

#include "conntrack/TupleSide.hpp"

#include <bit>
#include <cstdint>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

namespace fwx::conntrack {

namespace {

// The library hands out each tuple of an expectation as an nf_conntrack of which only the
// head is real: only its ATTR_ORIG_* attributes may be read.
const nf_conntrack* tupleOf(const nf_expect* exp, nf_expect_attr attr) {
    if (nfexp_attr_is_set(exp, attr) <= 0) {
        return nullptr;
    }
    return static_cast<const nf_conntrack*>(nfexp_get_attr(exp, attr));
}

std::uint8_t leadingOnes(const net::Address& mask) {
    unsigned ones = 0;
    for (const std::uint8_t byte : mask.bytes()) {
        ones += static_cast<unsigned>(std::countl_one(byte));
        if (byte != 0xff) {
            break;
        }
    }
    return static_cast<std::uint8_t>(ones);
}

// Who may connect: the expected tuple's source under the mask's source address. A
// missing mask address means the kernel does not compare it: any source.
net::Prefix sourceOf(const nf_conntrack* expected, const nf_conntrack* mask, net::Family family) {
    const auto address = addressOf(expected, family, originalSource);
    const auto bits = addressOf(mask, family, originalSource);
    if (!address || !bits) {
        return net::Prefix::any(family);
    }
    return net::Prefix::of(*address, leadingOnes(*bits));
}

std::optional<redirect::PrimaryConnection> primaryOf(const nf_conntrack* master,
                                                     net::Family family) {
    const auto transport = transportOf(master, ATTR_ORIG_L4PROTO);
    auto client = endpointOf(master, family, originalSource);
    auto server = endpointOf(master, family, originalDestination);
    if (!transport || !client || !server) {
        return std::nullopt;
    }
    return redirect::PrimaryConnection{*transport, *client, *server};
}

} // namespace

std::optional<redirect::Expectation> expectationOf(const nf_expect* exp) {
    const nf_conntrack* master = tupleOf(exp, ATTR_EXP_MASTER);
    const nf_conntrack* expected = tupleOf(exp, ATTR_EXP_EXPECTED);
    const nf_conntrack* mask = tupleOf(exp, ATTR_EXP_MASK);
    if (master == nullptr || expected == nullptr || mask == nullptr) {
        return std::nullopt;
    }
    // The library files the message's family under each tuple (one family for all three).
    const auto family = familyOf(expected, ATTR_ORIG_L3PROTO);
    if (!family) {
        return std::nullopt;
    }
    const auto transport = transportOf(expected, ATTR_ORIG_L4PROTO);
    auto primary = primaryOf(master, *family);
    auto destination = endpointOf(expected, *family, originalDestination);
    if (!transport || !primary || !destination) {
        return std::nullopt;
    }
    redirect::Expectation expectation;
    expectation.master = *primary;
    expectation.transport = *transport;
    expectation.source = sourceOf(expected, mask, *family);
    expectation.destination = *destination;
    expectation.permanent = (nfexp_get_attr_u32(exp, ATTR_EXP_FLAGS) & NF_CT_EXPECT_PERMANENT) != 0;
    expectation.timeout = std::chrono::seconds(nfexp_get_attr_u32(exp, ATTR_EXP_TIMEOUT));
    if (nfexp_attr_is_set(exp, ATTR_EXP_HELPER_NAME) > 0) {
        expectation.helper = static_cast<const char*>(nfexp_get_attr(exp, ATTR_EXP_HELPER_NAME));
    }
    return expectation;
}

} // namespace fwx::conntrack
