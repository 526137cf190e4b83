#include "conntrack/ExpectationCodec.hpp"

#include "net/Prefix.hpp"

#include <array>
#include <bit>
#include <cstdint>

#include <fmt/format.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <netinet/in.h>

namespace fwx::conntrack {

namespace {
constexpr std::uint16_t AllPorts = 0xffff;

net::Address allOnes(net::Family family) {
    std::array<std::uint8_t, 16> bytes{};
    bytes.fill(0xff);
    return net::Address::fromBytes(family,
                                   std::span(bytes).first(family == net::Family::V4 ? 4 : 16));
}

// Which source addresses may connect, as a mask tuple: source port 0 (any), the rest exact.
// The protocol is the expected one: the kernel parses the mask's ports by it.
Tuple maskOf(const redirect::Expectation& e) {
    const net::Family family = e.destination.family();
    const net::Address netmask = net::Prefix::of(allOnes(family), e.source.length()).network();
    return Tuple{net::ipProtocol(e.transport), net::Endpoint{netmask, 0},
                 net::Endpoint{allOnes(family), AllPorts}};
}

// The number of leading one bits, if mask is a netmask (ones, then zeros only).
std::optional<std::uint8_t> prefixLength(const net::Address& mask) {
    std::uint8_t length = 0;
    bool zeroSeen = false;
    for (const std::uint8_t byte : mask.bytes()) {
        const auto ones = static_cast<std::uint8_t>(std::countl_one(byte));
        if ((zeroSeen && byte != 0) || static_cast<std::uint8_t>(byte << ones) != 0) {
            return std::nullopt;
        }
        zeroSeen = zeroSeen || ones < 8;
        length = static_cast<std::uint8_t>(length + ones);
    }
    return length;
}

std::optional<net::Transport> transportOf(std::uint8_t protocol) {
    if (protocol == IPPROTO_TCP) {
        return net::Transport::Tcp;
    }
    if (protocol == IPPROTO_UDP) {
        return net::Transport::Udp;
    }
    return std::nullopt;
}

std::optional<Tuple> tupleOf(const nf_expect* expect, nf_expect_attr attr) {
    if (nfexp_attr_is_set(expect, attr) <= 0) {
        return std::nullopt;
    }
    return Tuple::of(static_cast<const nf_conntrack*>(nfexp_get_attr(expect, attr)));
}
} // namespace

Tuple masterTuple(const redirect::PrimaryConnection& primary) {
    return Tuple{net::ipProtocol(primary.transport), primary.client, primary.server};
}

Expect toKernel(const redirect::Expectation& e, bool withTimeout) {
    Expect expect = makeExpect();
    const Entry master = masterTuple(e.master).toEntry();
    const Entry expected =
        Tuple{net::ipProtocol(e.transport), net::Endpoint{e.source.network(), 0}, e.destination}
            .toEntry();
    const Entry mask = maskOf(e).toEntry();
    // The library copies the tuples out of these entries.
    nfexp_set_attr(expect.get(), ATTR_EXP_MASTER, master.get());
    nfexp_set_attr(expect.get(), ATTR_EXP_EXPECTED, expected.get());
    nfexp_set_attr(expect.get(), ATTR_EXP_MASK, mask.get());
    nfexp_set_attr_u32(expect.get(), ATTR_EXP_FLAGS, e.permanent ? NF_CT_EXPECT_PERMANENT : 0U);
    if (withTimeout) {
        nfexp_set_attr_u32(expect.get(), ATTR_EXP_TIMEOUT,
                           static_cast<std::uint32_t>(e.timeout.count()));
    }
    return expect;
}

std::optional<redirect::Expectation> fromKernel(const nf_expect* expect) {
    const auto master = tupleOf(expect, ATTR_EXP_MASTER);
    const auto expected = tupleOf(expect, ATTR_EXP_EXPECTED);
    const auto mask = tupleOf(expect, ATTR_EXP_MASK);
    if (!master || !expected || !mask) {
        return std::nullopt;
    }
    const auto masterTransport = transportOf(master->protocol);
    const auto transport = transportOf(expected->protocol);
    const auto length = prefixLength(mask->source.address);
    if (!masterTransport || !transport || !length) {
        return std::nullopt;
    }
    redirect::Expectation e;
    e.master = redirect::PrimaryConnection{*masterTransport, master->source, master->destination};
    e.transport = *transport;
    e.source = net::Prefix::of(expected->source.address, *length);
    e.destination = expected->destination;
    e.permanent = nfexp_attr_is_set(expect, ATTR_EXP_FLAGS) > 0 &&
                  (nfexp_get_attr_u32(expect, ATTR_EXP_FLAGS) & NF_CT_EXPECT_PERMANENT) != 0;
    e.timeout = std::chrono::seconds(nfexp_get_attr_u32(expect, ATTR_EXP_TIMEOUT));
    if (nfexp_attr_is_set(expect, ATTR_EXP_HELPER_NAME) > 0) {
        e.helper = static_cast<const char*>(nfexp_get_attr(expect, ATTR_EXP_HELPER_NAME));
    }
    return e;
}

std::string describe(const redirect::PrimaryConnection& primary) {
    return fmt::format("{} {} -> {}", net::toString(primary.transport), primary.client.toString(),
                       primary.server.toString());
}

std::string describe(const redirect::Expectation& e) {
    return fmt::format("{} {} -> {} on primary {}", net::toString(e.transport), e.source.toString(),
                       e.destination.toString(), describe(e.master));
}

} // namespace fwx::conntrack
