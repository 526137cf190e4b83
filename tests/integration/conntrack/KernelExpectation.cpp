#include "KernelExpectation.hpp"

#include "conntrack/Entry.hpp"
#include "conntrack/Expect.hpp"
#include "conntrack/Handle.hpp"

#include <cerrno>
#include <cstdint>
#include <system_error>

#include <arpa/inet.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace fwx::test {

namespace {

conntrack::Entry tcpTuple(std::uint32_t source, std::uint32_t destination, std::uint16_t sourcePort,
                          std::uint16_t destinationPort) {
    conntrack::Entry tuple(nfct_new());
    if (!tuple) {
        throw std::system_error(ENOMEM, std::generic_category(), "nfct_new");
    }
    nfct_set_attr_u8(tuple.get(), ATTR_L3PROTO, AF_INET);
    nfct_set_attr_u32(tuple.get(), ATTR_IPV4_SRC, source);
    nfct_set_attr_u32(tuple.get(), ATTR_IPV4_DST, destination);
    nfct_set_attr_u8(tuple.get(), ATTR_L4PROTO, IPPROTO_TCP);
    nfct_set_attr_u16(tuple.get(), ATTR_PORT_SRC, htons(sourcePort));
    nfct_set_attr_u16(tuple.get(), ATTR_PORT_DST, htons(destinationPort));
    return tuple;
}

} // namespace

void createExpectation(const redirect::PrimaryConnection& master, const net::Address& source,
                       const net::Endpoint& destination) {
    const conntrack::Entry masterTuple =
        tcpTuple(master.client.address.v4().s_addr, master.server.address.v4().s_addr,
                 master.client.port, master.server.port);
    const conntrack::Entry expected =
        tcpTuple(source.v4().s_addr, destination.address.v4().s_addr, 0, destination.port);
    // Source and destination address and destination port must match; any source port.
    const conntrack::Entry mask = tcpTuple(0xffffffffU, 0xffffffffU, 0, 0xffff);
    const conntrack::Expect exp = conntrack::makeExpect();
    nfexp_set_attr(exp.get(), ATTR_EXP_MASTER, masterTuple.get());
    nfexp_set_attr(exp.get(), ATTR_EXP_EXPECTED, expected.get());
    nfexp_set_attr(exp.get(), ATTR_EXP_MASK, mask.get());
    nfexp_set_attr_u32(exp.get(), ATTR_EXP_TIMEOUT, 60);
    const conntrack::Handle handle = conntrack::Handle::openExpect();
    if (nfexp_query(handle.get(), NFCT_Q_CREATE, exp.get()) < 0) {
        throw std::system_error(errno, std::generic_category(), "creating an expectation");
    }
}

} // namespace fwx::test
