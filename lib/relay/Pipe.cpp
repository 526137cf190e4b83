#include "relay/Pipe.hpp"

#include "error/Error.hpp"

#include <cerrno>

#include <fcntl.h>
#include <unistd.h>

namespace fwx::relay {

Pipe Pipe::open() {
    int ends[2] = {-1, -1};
    if (::pipe2(ends, O_NONBLOCK | O_CLOEXEC) < 0) {
        throwSystemError("creating a pipe", errno);
    }
    UniqueFd read(ends[0]);
    UniqueFd write(ends[1]);
    const int capacity = ::fcntl(write.get(), F_GETPIPE_SZ);
    if (capacity <= 0) {
        throwSystemError("reading a pipe's size", errno);
    }
    return Pipe(std::move(read), std::move(write), static_cast<std::size_t>(capacity));
}

} // namespace fwx::relay
