#pragma once

#include <cstdint>
#include <memory>

struct mnl_socket;

namespace fwx::net {

// A bound libmnl netlink socket: move-only, closed by its destructor.
class NetlinkSocket {
public:
    // Opens and binds (auto port id) a socket of the netlink bus (NETLINK_ROUTE, ...).
    // Throws fwx::Error(Failed) with the errno.
    static NetlinkSocket open(int bus, unsigned groups = 0);

    mnl_socket* get() const noexcept { return socket_.get(); }
    int fd() const noexcept;
    std::uint32_t portId() const noexcept;

private:
    struct Closer {
        void operator()(mnl_socket* s) const noexcept;
    };
    explicit NetlinkSocket(mnl_socket* s)
        : socket_(s) {}
    std::unique_ptr<mnl_socket, Closer> socket_;
};

} // namespace fwx::net
