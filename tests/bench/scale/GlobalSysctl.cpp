#include "GlobalSysctl.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace fwx::bench {

namespace {

// What restoreAllFromSignalHandler() writes back: filled before the value is raised,
// read without locks from the handler.
struct Pending {
    std::atomic<int> fd{-1};
    std::array<char, 24> text{};
    std::size_t length = 0;
};
std::array<Pending, 4> pending;

std::uint64_t readValue(int fd, const std::string& path) {
    std::array<char, 64> buffer{};
    const ssize_t n = ::pread(fd, buffer.data(), buffer.size() - 1, 0);
    if (n <= 0) {
        throw std::system_error(n < 0 ? errno : EIO, std::generic_category(), "read " + path);
    }
    return std::stoull(std::string(buffer.data(), static_cast<std::size_t>(n)));
}

void writeValue(int fd, const std::string& path, std::uint64_t value) {
    const std::string text = std::to_string(value);
    const ssize_t n = ::pwrite(fd, text.data(), text.size(), 0);
    if (n != static_cast<ssize_t>(text.size())) {
        throw std::system_error(n < 0 ? errno : EIO, std::generic_category(),
                                "write " + text + " to " + path);
    }
}

} // namespace

GlobalSysctl::GlobalSysctl(const std::string& path)
    : path_("/proc/sys/" + path) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
    if (fd_ < 0) {
        throw std::system_error(errno, std::generic_category(), "open " + path_);
    }
    original_ = readValue(fd_, path_);
}

GlobalSysctl::~GlobalSysctl() {
    restore();
    ::close(fd_);
}

std::uint64_t GlobalSysctl::value() const {
    return readValue(fd_, path_);
}

bool GlobalSysctl::raiseTo(std::uint64_t value) {
    if (GlobalSysctl::value() >= value) {
        return false;
    }
    if (slot_ < 0) {
        for (std::size_t i = 0; i < pending.size(); ++i) {
            if (pending[i].fd.load() < 0) {
                const std::string text = std::to_string(original_);
                std::memcpy(pending[i].text.data(), text.data(), text.size());
                pending[i].length = text.size();
                pending[i].fd = fd_;
                slot_ = static_cast<int>(i);
                break;
            }
        }
    }
    writeValue(fd_, path_, value);
    written_ = value;
    return true;
}

void GlobalSysctl::restore() noexcept {
    if (written_ == 0) {
        return;
    }
    try {
        const std::uint64_t now = value();
        if (now == written_) {
            writeValue(fd_, path_, original_);
        } else {
            std::fprintf(stderr, "warning: %s is %llu now, not the %llu this run set: left as is\n",
                         path_.c_str(), static_cast<unsigned long long>(now),
                         static_cast<unsigned long long>(written_));
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "warning: cannot restore %s to %llu: %s\n", path_.c_str(),
                     static_cast<unsigned long long>(original_), e.what());
    }
    written_ = 0;
    if (slot_ >= 0) {
        pending[static_cast<std::size_t>(slot_)].fd = -1;
        slot_ = -1;
    }
}

void GlobalSysctl::restoreAllFromSignalHandler() noexcept {
    for (Pending& entry : pending) {
        const int fd = entry.fd.exchange(-1);
        if (fd >= 0) {
            static_cast<void>(::pwrite(fd, entry.text.data(), entry.length, 0));
        }
    }
}

} // namespace fwx::bench
