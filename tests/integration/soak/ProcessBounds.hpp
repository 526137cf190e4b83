// fwx::test::soak::ProcessBounds: fwxd's open descriptors and resident memory over a long
// run. The first part of the run is warm-up (allocators, caches and the populations of
// sessions and actions reach their working size); after it, neither may grow beyond the
// warm-up's peak plus a fixed allowance: a leaked descriptor per operation crosses it within
// a few operations, a leak of 10 bytes per operation within a million.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <sys/types.h>

namespace fwx::test::soak {

// Under AddressSanitizer (the sanitizer build runs fwxd and the soak with it) fwxd's resident
// memory is mostly the sanitizer's: freed memory waits in its quarantine (256 MiB by default)
// before it is reused, so RSS climbs long after warm-up. Only the descriptors are bounded
// there; the memory bound holds in the ordinary build.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool MemoryBounded = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool MemoryBounded = false;
#else
inline constexpr bool MemoryBounded = true;
#endif
#else
inline constexpr bool MemoryBounded = true;
#endif

struct ProcessSample {
    std::size_t fds = 0;
    std::size_t rssKiB = 0;
};

// /proc/PID/fd and VmRSS of /proc/PID/status. Throws std::runtime_error.
ProcessSample sampleProcess(pid_t pid);

class ProcessBounds {
public:
    // Allowances over the warm-up's peaks.
    static constexpr std::size_t FdAllowance = 8;
    static constexpr std::size_t RssAllowanceKiB = 8 * 1024;

    explicit ProcessBounds(std::uint64_t warmUpOperations)
        : warmUp_(warmUpOperations) {}

    // Records a sample taken after operation; false once it breaks a bound.
    bool add(std::uint64_t operation, const ProcessSample& sample);
    // What was seen, and the bounds, for the summary and failure messages.
    std::string describe() const;

private:
    std::uint64_t warmUp_;
    ProcessSample warmUpPeak_;
    ProcessSample peak_;  // after warm-up
    ProcessSample first_; // the first sample after warm-up
    ProcessSample last_;
    bool pastWarmUp_ = false;
    std::uint64_t samples_ = 0;
};

} // namespace fwx::test::soak
