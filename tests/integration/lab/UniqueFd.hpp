// fwx::test::UniqueFd: the lab's owner of a file descriptor.
#pragma once

#include <utility>

#include <unistd.h>

namespace fwx::test {

// Move-only owner of a file descriptor; closes it exactly once.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) noexcept
        : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept
        : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        reset(other.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }

    int release() noexcept { return std::exchange(fd_, -1); }
    void reset(int fd = -1) noexcept {
        const int old = std::exchange(fd_, fd);
        if (old >= 0) {
            // close() may fail with EINTR after releasing the descriptor; retrying could
            // close an unrelated fd, so the result is deliberately ignored.
            static_cast<void>(::close(old));
        }
    }

private:
    int fd_ = -1;
};

} // namespace fwx::test
