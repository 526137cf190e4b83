#include "config/TextFile.hpp"

#include "error/Error.hpp"

#include <cerrno>
#include <cstddef>

#include <fcntl.h>
#include <unistd.h>

namespace fwx::config {

namespace {

constexpr std::size_t maxFileSize = std::size_t{1} << 20;

[[noreturn]] void throwCannotRead(const std::string& path, int errnum) {
    throw Error(ErrorCode::InvalidArgument, "cannot read " + path, errnum);
}

class FileDescriptor {
public:
    explicit FileDescriptor(int fd)
        : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() { ::close(fd_); }
    int get() const noexcept { return fd_; }

private:
    int fd_;
};

} // namespace

std::string readTextFile(const std::string& path) {
    const FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (file.get() < 0) {
        throwCannotRead(path, errno);
    }
    std::string text;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(file.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throwCannotRead(path, errno);
        }
        if (n == 0) {
            return text;
        }
        text.append(buffer, static_cast<std::size_t>(n));
        if (text.size() > maxFileSize) {
            throwCannotRead(path, EFBIG);
        }
    }
}

} // namespace fwx::config
