#include "net/SocketTable.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

namespace fwx::net {

namespace {

// A socket as far as port occupation goes.
struct BoundSocket {
    Address local;
    std::uint16_t port = 0;
    // The kernel reports IPV6_V6ONLY only for IPv6 sockets that listen or are unconnected
    // (the only ones it matters for); nullopt when it did not say.
    std::optional<bool> v6only;
};

int onAttribute(const nlattr* attribute, void* data) {
    if (mnl_attr_get_type(attribute) == INET_DIAG_SKV6ONLY &&
        mnl_attr_get_payload_len(attribute) >= sizeof(std::uint8_t)) {
        *static_cast<std::optional<bool>*>(data) = mnl_attr_get_u8(attribute) != 0;
    }
    return MNL_CB_OK;
}

Address localAddressOf(const inet_diag_msg& header) {
    const Family family = familyFromAddressFamily(header.idiag_family);
    std::array<std::uint8_t, sizeof header.id.idiag_src> bytes{};
    std::memcpy(bytes.data(), header.id.idiag_src, bytes.size());
    return Address::fromBytes(family, std::span(bytes).first(family == Family::V4 ? 4 : 16));
}

std::optional<BoundSocket> parseSocket(const nlmsghdr& message) {
    if (message.nlmsg_type != SOCK_DIAG_BY_FAMILY ||
        mnl_nlmsg_get_payload_len(&message) < sizeof(inet_diag_msg)) {
        return std::nullopt;
    }
    inet_diag_msg header{};
    std::memcpy(&header, mnl_nlmsg_get_payload(&message), sizeof header);
    if (header.idiag_family != AF_INET && header.idiag_family != AF_INET6) {
        return std::nullopt;
    }
    BoundSocket socket{localAddressOf(header), ntohs(header.id.idiag_sport), std::nullopt};
    if (mnl_attr_parse(&message, sizeof header, onAttribute, &socket.v6only) < 0) {
        socket.v6only.reset();
    }
    return socket;
}

// inet_diag bytecode that keeps sockets whose local port is in [first, last]: two
// comparisons, each an op followed by an op that carries the port. On "no" an op jumps
// past the end (4 bytes beyond), which rejects the socket; running off the end accepts it.
struct PortRangeFilter {
    std::array<inet_diag_bc_op, 4> ops{};

    PortRangeFilter(std::uint16_t first, std::uint16_t last) {
        constexpr auto step = static_cast<unsigned char>(2 * sizeof(inet_diag_bc_op));
        ops[0] = {INET_DIAG_BC_S_GE, step, static_cast<unsigned short>(2 * step + 4)};
        ops[1] = {0, 0, first};
        ops[2] = {INET_DIAG_BC_S_LE, step, static_cast<unsigned short>(step + 4)};
        ops[3] = {0, 0, last};
    }
};

std::vector<BoundSocket> dumpSockets(NetlinkQuery& query, Family family, Transport transport,
                                     std::uint16_t first, std::uint16_t last) {
    // Room for the netlink header, the request and the bytecode attribute.
    alignas(nlmsghdr) std::array<char, 256> buffer{};
    nlmsghdr* request = mnl_nlmsg_put_header(buffer.data());
    request->nlmsg_type = SOCK_DIAG_BY_FAMILY;
    request->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    auto* diag = static_cast<inet_diag_req_v2*>(
        mnl_nlmsg_put_extra_header(request, sizeof(inet_diag_req_v2)));
    diag->sdiag_family = static_cast<std::uint8_t>(toAddressFamily(family));
    diag->sdiag_protocol = ipProtocol(transport);
    // TCP: listeners only, so the kernel walks its listening hash and skips the established
    // table. UDP: every socket (each one is bound; the UDP table has no such split).
    diag->idiag_states = transport == Transport::Tcp ? 1U << TCP_LISTEN : ~0U;
    const PortRangeFilter filter(first, last);
    mnl_attr_put(request, INET_DIAG_REQ_BYTECODE, sizeof filter.ops, filter.ops.data());
    const std::string what = "sock_diag dump of " + std::string(toString(family)) + " " +
                             std::string(toString(transport)) + " sockets";
    return query.dump<BoundSocket>(*request, what, parseSocket);
}

// The IPv4 address an IPv4-mapped IPv6 address (::ffff:a.b.c.d) stands for.
std::optional<Address> mappedV4(const Address& address) {
    static constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0,    0,
                                                                   0, 0, 0, 0, 0xff, 0xff};
    const auto bytes = address.bytes();
    if (!address.isV6() || !std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), bytes.begin())) {
        return std::nullopt;
    }
    return Address::fromBytes(Family::V4, bytes.last(4));
}

// An IPv6 socket takes IPv4 ports too when it is bound to :: without IPV6_V6ONLY (the
// default, net.ipv6.bindv6only=0): it receives IPv4 traffic as ::ffff:a.b.c.d, and the
// kernel refuses an IPv4 bind() of its port. The same holds for a socket bound to an
// IPv4-mapped address. When the kernel does not say whether the socket is v6only, it is
// taken to be dual-stack: reporting a free port as taken costs a port, the other way
// round a failed redirect.
bool takesV4Port(const BoundSocket& socket, const Address& address) {
    if (socket.local.isUnspecified()) {
        return socket.v6only != true;
    }
    const auto mapped = mappedV4(socket.local);
    return mapped && (*mapped == address || mapped->isUnspecified());
}

bool takesPort(const BoundSocket& socket, const Address& address) {
    if (socket.local.family() != address.family()) {
        return address.isV4() && takesV4Port(socket, address);
    }
    return socket.local == address || socket.local.isUnspecified();
}

} // namespace

SocketTable::SocketTable()
    : diag_(NETLINK_SOCK_DIAG) {
}

std::vector<std::uint16_t> SocketTable::boundPorts(const Address& address, Transport transport,
                                                   std::uint16_t first, std::uint16_t last) {
    // The kernel filters by port; the address is matched here: the wildcard and dual-stack
    // rules above are clearer than bytecode, and few sockets are left by then.
    auto sockets = dumpSockets(diag_, address.family(), transport, first, last);
    if (address.isV4()) {
        auto v6 = dumpSockets(diag_, Family::V6, transport, first, last);
        sockets.insert(sockets.end(), v6.begin(), v6.end());
    }
    std::vector<std::uint16_t> ports;
    for (const auto& socket : sockets) {
        if (socket.port != 0 && takesPort(socket, address)) {
            ports.push_back(socket.port);
        }
    }
    std::sort(ports.begin(), ports.end());
    ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
    return ports;
}

} // namespace fwx::net
