#include "lab/TcpConnect.hpp"

#include "lab/Errno.hpp"
#include "lab/Socket.hpp"

#include <array>
#include <cerrno>
#include <system_error>

#include <poll.h>
#include <sys/socket.h>

namespace fwx::test {

namespace {

ConnectResult classify(int errnum) {
    switch (errnum) {
    case ECONNREFUSED:
    case ECONNRESET:
    case EPIPE:
        return ConnectResult::Refused;
    case ETIMEDOUT:
        return ConnectResult::TimedOut;
    default:
        // EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENETDOWN, and EPERM / EACCES from a local
        // netfilter drop or reject on output.
        return ConnectResult::Unreachable;
    }
}

TcpOutcome failure(int errnum, const std::string& context) {
    TcpOutcome outcome;
    outcome.result = classify(errnum);
    outcome.error = errnum;
    outcome.errorText = context + ": " + errnoText(errnum);
    return outcome;
}

TcpOutcome timedOut(const std::string& what, milliseconds timeout) {
    TcpOutcome outcome;
    outcome.result = ConnectResult::TimedOut;
    outcome.error = ETIMEDOUT;
    outcome.errorText = what + " within " + std::to_string(timeout.count()) + " ms";
    return outcome;
}

// 0 once connected, else the errno; -1 if the deadline passed first.
int awaitConnect(int fd, const SocketAddress& destination, const Deadline& deadline) {
    if (::connect(fd, destination.get(), destination.size()) == 0) {
        return 0;
    }
    if (errno != EINPROGRESS) {
        return errno;
    }
    if (pollFd(fd, POLLOUT, deadline) == 0) {
        return -1;
    }
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
        throw std::system_error(errno, std::generic_category(), "SO_ERROR");
    }
    return error;
}

// 0 once everything is sent, else the errno; -1 if the deadline passed first.
int sendAll(int fd, std::string_view data, const Deadline& deadline) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n > 0) {
            data.remove_prefix(static_cast<std::size_t>(n));
        } else if (n < 0 && errno == EAGAIN) {
            if (pollFd(fd, POLLOUT, deadline) == 0) {
                return -1;
            }
        } else if (n < 0 && errno != EINTR) {
            return errno;
        }
    }
    return 0;
}

// Reads until `want` bytes arrived or EOF: 0, else the errno; -1 if the deadline passed.
int receiveUpTo(int fd, std::size_t want, std::string& out, const Deadline& deadline) {
    std::array<char, 4096> buffer{};
    while (out.size() < want) {
        const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
        if (n > 0) {
            out.append(buffer.data(), static_cast<std::size_t>(n));
        } else if (n == 0) {
            return 0;
        } else if (errno == EAGAIN) {
            if (pollFd(fd, POLLIN, deadline) == 0) {
                return -1;
            }
        } else if (errno != EINTR) {
            return errno;
        }
    }
    return 0;
}

UniqueFd clientSocket(const Netns* ns, const SocketAddress& destination,
                      const TcpConnectOptions& options) {
    UniqueFd fd = openSocket(ns, destination.family(), SOCK_STREAM);
    if (options.sourcePort || !options.sourceAddress.empty()) {
        const std::uint16_t port = options.sourcePort.value_or(0);
        bindTo(fd.get(), options.sourceAddress.empty()
                             ? SocketAddress::any(destination.family(), port)
                             : SocketAddress(options.sourceAddress, port));
    }
    return fd;
}

} // namespace

std::string_view toString(ConnectResult result) {
    switch (result) {
    case ConnectResult::Connected:
        return "Connected";
    case ConnectResult::Refused:
        return "Refused";
    case ConnectResult::TimedOut:
        return "TimedOut";
    case ConnectResult::Unreachable:
        return "Unreachable";
    }
    return "?";
}

std::ostream& operator<<(std::ostream& out, ConnectResult result) {
    return out << toString(result);
}

std::ostream& operator<<(std::ostream& out, const TcpOutcome& outcome) {
    out << outcome.result;
    if (!outcome.errorText.empty()) {
        out << ": " << outcome.errorText;
    }
    return out;
}

TcpOutcome tcpConnect(const Netns* ns, const SocketAddress& destination, std::string_view payload,
                      milliseconds timeout, const TcpConnectOptions& options) {
    const Deadline deadline(timeout);
    UniqueFd fd = clientSocket(ns, destination, options);
    const std::string to = "connect to " + destination.toString();

    if (const int rc = awaitConnect(fd.get(), destination, deadline); rc != 0) {
        return rc < 0 ? timedOut(to + ": no answer", timeout) : failure(rc, to);
    }
    TcpOutcome outcome;
    outcome.local = localAddressOf(fd.get());
    if (const int rc = sendAll(fd.get(), payload, deadline); rc != 0) {
        return rc < 0 ? timedOut(to + ": payload not sent", timeout) : failure(rc, to + ": send");
    }
    if (!options.keepOpen) {
        // EOF tells a server that reads to EOF that the payload is complete.
        static_cast<void>(::shutdown(fd.get(), SHUT_WR));
    }
    if (options.expectEcho) {
        const int rc = receiveUpTo(fd.get(), payload.size(), outcome.echoed, deadline);
        if (rc != 0) {
            return rc < 0 ? timedOut(to + ": connected, but no echo", timeout)
                          : failure(rc, to + ": connected, reading the echo");
        }
        if (outcome.echoed.size() < payload.size()) {
            return failure(ECONNRESET, to + ": connected, but the server closed before echoing");
        }
    }
    outcome.result = ConnectResult::Connected;
    if (options.keepOpen) {
        outcome.connection = std::move(fd);
    }
    return outcome;
}

} // namespace fwx::test
