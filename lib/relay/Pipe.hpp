#pragma once

#include "relay/UniqueFd.hpp"

#include <cstddef>
#include <utility>

namespace fwx::relay {

// A non-blocking pipe, the kernel-side buffer splice() moves bytes through.
class Pipe {
public:
    // Throws fwx::Error(Failed) with the errno (EMFILE, ENFILE).
    static Pipe open();

    int readEnd() const noexcept { return read_.get(); }
    int writeEnd() const noexcept { return write_.get(); }
    // In bytes (F_GETPIPE_SZ): 64 KiB by default, less for a user over
    // fs.pipe-user-pages-soft.
    std::size_t capacity() const noexcept { return capacity_; }

private:
    Pipe(UniqueFd read, UniqueFd write, std::size_t capacity)
        : read_(std::move(read))
        , write_(std::move(write))
        , capacity_(capacity) {}

    UniqueFd read_;
    UniqueFd write_;
    std::size_t capacity_;
};

} // namespace fwx::relay
