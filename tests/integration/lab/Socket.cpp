#include "lab/Socket.hpp"

#include "lab/Netns.hpp"

#include <cerrno>
#include <system_error>

#include <sys/socket.h>

namespace fwx::test {

namespace {

UniqueFd openHere(Family family, int type) {
    UniqueFd fd(::socket(addressFamily(family), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) {
        throw std::system_error(errno, std::generic_category(), "socket");
    }
    return fd;
}

} // namespace

UniqueFd openSocket(const Netns* ns, Family family, int type) {
    if (ns == nullptr) {
        return openHere(family, type);
    }
    return ns->run([&] { return openHere(family, type); });
}

void bindTo(int fd, const SocketAddress& address) {
    const int on = 1;
    if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0) {
        throw std::system_error(errno, std::generic_category(), "SO_REUSEADDR");
    }
    if (::bind(fd, address.get(), address.size()) != 0) {
        throw std::system_error(errno, std::generic_category(), "bind " + address.toString());
    }
}

SocketAddress localAddressOf(int fd) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
        throw std::system_error(errno, std::generic_category(), "getsockname");
    }
    return SocketAddress::fromSockaddr(storage);
}

SocketAddress peerAddressOf(int fd) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
        throw std::system_error(errno, std::generic_category(), "getpeername");
    }
    return SocketAddress::fromSockaddr(storage);
}

} // namespace fwx::test
