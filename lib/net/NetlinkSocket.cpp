#include "net/NetlinkSocket.hpp"

#include "error/Error.hpp"

#include <cerrno>
#include <string>

#include <libmnl/libmnl.h>

namespace fwx::net {

void NetlinkSocket::Closer::operator()(mnl_socket* s) const noexcept {
    mnl_socket_close(s);
}

NetlinkSocket NetlinkSocket::open(int bus, unsigned groups) {
    mnl_socket* s = mnl_socket_open(bus);
    if (s == nullptr) {
        throwSystemError("opening netlink socket (bus " + std::to_string(bus) + ")", errno);
    }
    NetlinkSocket socket(s);
    if (mnl_socket_bind(s, groups, MNL_SOCKET_AUTOPID) < 0) {
        throwSystemError("binding netlink socket (bus " + std::to_string(bus) + ")", errno);
    }
    return socket;
}

int NetlinkSocket::fd() const noexcept {
    return mnl_socket_get_fd(socket_.get());
}

std::uint32_t NetlinkSocket::portId() const noexcept {
    return mnl_socket_get_portid(socket_.get());
}

} // namespace fwx::net
