#include "relay/Sockets.hpp"

#include "error/Error.hpp"

#include <cerrno>
#include <string>
#include <utility>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace fwx::relay {

namespace {

void enable(int socket, int level, int option, const char* name) {
    const int on = 1;
    if (::setsockopt(socket, level, option, &on, sizeof on) < 0) {
        throwSystemError(std::string("setting ") + name, errno);
    }
}

UniqueFd openSocket(net::Family family, int type) {
    UniqueFd socket = UniqueFd::checked(
        ::socket(net::toAddressFamily(family), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
        "creating a socket");
    if (family == net::Family::V6) {
        enable(socket.get(), IPPROTO_IPV6, IPV6_V6ONLY, "IPV6_V6ONLY");
    }
    return socket;
}

void bindTo(int socket, const net::Endpoint& at) {
    sockaddr_storage address{};
    const socklen_t length = at.toSockaddr(address);
    if (::bind(socket, reinterpret_cast<const sockaddr*>(&address), length) < 0) {
        throwSystemError("binding to " + at.toString(), errno);
    }
}

int socketType(net::Transport transport) {
    return transport == net::Transport::Tcp ? SOCK_STREAM : SOCK_DGRAM;
}

// accept(2): "Linux accept() passes already-pending network errors on the new socket as
// an error code from accept()"; for these the next queued connection may be fine.
bool failedConnectionOnly(int errnum) {
    switch (errnum) {
    case EINTR:
    case ECONNABORTED:
    case EPROTO:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
    case EPERM: // refused by a firewall rule (e.g. an LSM or a BPF program)
        return true;
    default:
        return false;
    }
}

} // namespace

UniqueFd listenTcp(const net::Endpoint& at) {
    UniqueFd socket = openSocket(at.family(), SOCK_STREAM);
    enable(socket.get(), SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR");
    bindTo(socket.get(), at);
    if (::listen(socket.get(), SOMAXCONN) < 0) {
        throwSystemError("listening on " + at.toString(), errno);
    }
    return socket;
}

UniqueFd bindUdp(const net::Endpoint& at) {
    UniqueFd socket = openSocket(at.family(), SOCK_DGRAM);
    bindTo(socket.get(), at);
    return socket;
}

std::optional<Accepted> acceptClient(int listener) {
    for (;;) {
        sockaddr_storage address{};
        socklen_t length = sizeof address;
        UniqueFd socket(::accept4(listener, reinterpret_cast<sockaddr*>(&address), &length,
                                  SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (socket) {
            const net::Endpoint client =
                net::Endpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&address), length);
            return Accepted{std::move(socket), client};
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return std::nullopt;
        }
        if (!failedConnectionOnly(errno)) {
            throwSystemError("accepting a connection", errno);
        }
    }
}

UniqueFd outboundSocket(net::Transport transport, net::Family family,
                        const std::optional<net::Address>& source) {
    UniqueFd socket = openSocket(family, socketType(transport));
    if (source) {
        if (transport == net::Transport::Tcp) {
            enable(socket.get(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, "IP_BIND_ADDRESS_NO_PORT");
        }
        bindTo(socket.get(), net::Endpoint{*source, 0});
    }
    return socket;
}

int startConnect(int socket, const net::Endpoint& target) noexcept {
    sockaddr_storage address{};
    const socklen_t length = target.toSockaddr(address);
    if (::connect(socket, reinterpret_cast<const sockaddr*>(&address), length) == 0 ||
        errno == EINPROGRESS) {
        return 0;
    }
    return errno;
}

int pendingError(int socket) noexcept {
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &length) < 0) {
        return errno;
    }
    return error;
}

net::Endpoint localEndpoint(int socket) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getsockname(socket, reinterpret_cast<sockaddr*>(&address), &length) < 0) {
        throwSystemError("reading a socket's local address", errno);
    }
    return net::Endpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&address), length);
}

void setBlocking(int socket) {
    const int flags = ::fcntl(socket, F_GETFL);
    if (flags < 0 || ::fcntl(socket, F_SETFL, flags & ~O_NONBLOCK) < 0) {
        throwSystemError("making a socket blocking for its hand-over", errno);
    }
}

void resetOnClose(int socket) noexcept {
    const linger abort{1, 0};
    // Cannot fail on a socket that exists; and if the connection is gone already, there
    // is nobody left to reset.
    static_cast<void>(::setsockopt(socket, SOL_SOCKET, SO_LINGER, &abort, sizeof abort));
}

} // namespace fwx::relay
