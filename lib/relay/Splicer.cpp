#include "relay/Splicer.hpp"

#include <cerrno>
#include <utility>

#include <fcntl.h>
#include <sys/socket.h>

namespace fwx::relay {

namespace {

constexpr unsigned spliceFlags = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;

bool wouldBlock(int errnum) {
    return errnum == EAGAIN || errnum == EWOULDBLOCK;
}

} // namespace

Splicer::Splicer(Pipe pipe)
    : pipe_(std::move(pipe)) {
}

int Splicer::run(int source, int destination, std::size_t budget) {
    std::size_t moved = 0;
    while (error_ == 0 && moved < budget) {
        const std::size_t in = sourceReady_ && wantsSource() ? fill(source) : 0;
        const bool canDrain = error_ == 0 && destinationReady_ && inPipe_ > 0;
        const std::size_t out = canDrain ? drain(destination) : 0;
        moved += out;
        if (in == 0 && out == 0) {
            break;
        }
    }
    if (error_ == 0) {
        shutDownWhenDelivered(destination);
    }
    return error_;
}

std::size_t Splicer::fill(int source) {
    const ssize_t n = ::splice(source, nullptr, pipe_.writeEnd(), nullptr,
                               pipe_.capacity() - inPipe_, spliceFlags);
    if (n > 0) {
        inPipe_ += static_cast<std::size_t>(n);
        pipeFull_ = inPipe_ >= pipe_.capacity();
        return static_cast<std::size_t>(n);
    }
    if (n == 0) {
        sourceEnded_ = true;
    } else if (wouldBlock(errno)) {
        sourceReady_ = false;
        // Either the source has nothing, or the pipe ran out of slots before bytes (each
        // slot holds one page fragment of whatever size): splice cannot say which. With
        // bytes in the pipe, wait for them to leave before reading again; otherwise a
        // readable source would wake the loop over and over while the pipe is stuck.
        pipeFull_ = inPipe_ > 0;
    } else if (errno != EINTR) {
        error_ = errno;
    }
    return 0;
}

std::size_t Splicer::drain(int destination) {
    const ssize_t n =
        ::splice(pipe_.readEnd(), nullptr, destination, nullptr, inPipe_, spliceFlags);
    if (n > 0) {
        inPipe_ -= static_cast<std::size_t>(n);
        delivered_ += static_cast<std::uint64_t>(n);
        pipeFull_ = false;
        return static_cast<std::size_t>(n);
    }
    if (n < 0 && wouldBlock(errno)) {
        destinationReady_ = false;
    } else if (n < 0 && errno != EINTR) {
        error_ = errno;
    }
    return 0;
}

void Splicer::shutDownWhenDelivered(int destination) {
    if (!sourceEnded_ || inPipe_ > 0 || shutDown_) {
        return;
    }
    if (::shutdown(destination, SHUT_WR) < 0) {
        error_ = errno; // ENOTCONN: the destination's connection is gone already
        return;
    }
    shutDown_ = true;
}

} // namespace fwx::relay
