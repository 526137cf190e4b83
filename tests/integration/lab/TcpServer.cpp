#include "lab/TcpServer.hpp"

#include "lab/Socket.hpp"

#include <array>
#include <cerrno>
#include <cstdint>
#include <system_error>
#include <vector>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

namespace fwx::test {

namespace {

constexpr milliseconds echoTimeout{5'000};

// One accepted connection that is still being read.
struct Connection {
    UniqueFd fd;
    SocketAddress peer;
    SocketAddress local;
    std::string data;
};

enum class ReadState : std::uint8_t { More, Done };

// Reads what is available. Done at the first '\n', at EOF or on an error (a reset
// client is finished too: the test sees what arrived before the reset).
ReadState readAvailable(Connection& c) {
    std::array<char, 4096> buffer{};
    for (;;) {
        const ssize_t n = ::recv(c.fd.get(), buffer.data(), buffer.size(), 0);
        if (n > 0) {
            c.data.append(buffer.data(), static_cast<std::size_t>(n));
            if (c.data.find('\n') != std::string::npos) {
                return ReadState::Done;
            }
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            return ReadState::More;
        }
        return ReadState::Done;
    }
}

// Best effort: a client that gave up does not fail the server.
void sendAll(int fd, std::string_view data) {
    const Deadline deadline(echoTimeout);
    while (!data.empty() && !deadline.expired()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n > 0) {
            data.remove_prefix(static_cast<std::size_t>(n));
        } else if (n < 0 && errno == EAGAIN) {
            static_cast<void>(pollFd(fd, POLLOUT, deadline));
        } else if (n < 0 && errno != EINTR) {
            return;
        }
    }
}

// nullopt when the backlog is empty (EAGAIN).
std::optional<Connection> acceptOne(int listener) {
    for (;;) {
        sockaddr_storage peer{};
        socklen_t length = sizeof peer;
        UniqueFd fd(::accept4(listener, reinterpret_cast<sockaddr*>(&peer), &length,
                              SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (fd) {
            SocketAddress local = localAddressOf(fd.get());
            return Connection{std::move(fd), SocketAddress::fromSockaddr(peer), local, {}};
        }
        // Errors of a connection that died in the backlog belong to that connection only.
        if (errno == EAGAIN) {
            return std::nullopt;
        }
        if (errno != EINTR && errno != ECONNABORTED && errno != EPROTO && errno != ENETDOWN &&
            errno != EHOSTUNREACH && errno != ENETUNREACH) {
            throw std::system_error(errno, std::generic_category(), "accept");
        }
    }
}

UniqueFd makeEventFd() {
    UniqueFd fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!fd) {
        throw std::system_error(errno, std::generic_category(), "eventfd");
    }
    return fd;
}

UniqueFd listenOn(const Netns* ns, const SocketAddress& address) {
    UniqueFd fd = openSocket(ns, address.family(), SOCK_STREAM);
    bindTo(fd.get(), address);
    if (::listen(fd.get(), SOMAXCONN) != 0) {
        throw std::system_error(errno, std::generic_category(), "listen " + address.toString());
    }
    return fd;
}

} // namespace

TcpServer::TcpServer(const Netns* ns, std::string_view address, std::uint16_t port, Reply reply)
    : listener_(listenOn(ns, SocketAddress(address, port)))
    , stop_(makeEventFd())
    , address_(localAddressOf(listener_.get()))
    , reply_(reply)
    , thread_([this] { serve(); }) {
}

TcpServer::~TcpServer() {
    const std::uint64_t one = 1;
    static_cast<void>(::write(stop_.get(), &one, sizeof one));
    thread_.join();
}

std::optional<TcpAccepted> TcpServer::accept(milliseconds timeout) {
    std::unique_lock lock(mutex_);
    finished_.wait_until(lock, Deadline(timeout).end(),
                         [this] { return !accepted_.empty() || failure_; });
    if (failure_) {
        std::rethrow_exception(failure_);
    }
    if (accepted_.empty()) {
        return std::nullopt;
    }
    TcpAccepted next = std::move(accepted_.front());
    accepted_.pop_front();
    return next;
}

void TcpServer::publish(TcpAccepted accepted) {
    {
        const std::lock_guard lock(mutex_);
        accepted_.push_back(std::move(accepted));
    }
    finished_.notify_all();
}

void TcpServer::serve() noexcept {
    try {
        std::vector<Connection> connections;
        for (;;) {
            std::vector<pollfd> fds{{stop_.get(), POLLIN, 0}, {listener_.get(), POLLIN, 0}};
            for (const auto& c : connections) {
                fds.push_back({c.fd.get(), POLLIN, 0});
            }
            if (::poll(fds.data(), fds.size(), -1) < 0) {
                if (errno == EINTR) {
                    continue;
                }
                throw std::system_error(errno, std::generic_category(), "TcpServer poll");
            }
            if (fds[0].revents != 0) {
                return;
            }
            // Connections first: indexes in fds match connections only until we add some.
            for (std::size_t i = connections.size(); i-- > 0;) {
                if (fds[i + 2].revents == 0 || readAvailable(connections[i]) == ReadState::More) {
                    continue;
                }
                Connection done = std::move(connections[i]);
                connections.erase(connections.begin() + static_cast<std::ptrdiff_t>(i));
                if (reply_ == Reply::Echo) {
                    sendAll(done.fd.get(), done.data);
                }
                done.fd.reset();
                publish({done.peer, done.local, std::move(done.data)});
            }
            if (fds[1].revents != 0) {
                while (auto c = acceptOne(listener_.get())) {
                    connections.push_back(std::move(*c));
                }
            }
        }
    } catch (...) {
        {
            const std::lock_guard lock(mutex_);
            failure_ = std::current_exception();
        }
        finished_.notify_all();
    }
}

} // namespace fwx::test
