// fwx::bench::GlobalSysctl: a sysctl of the host's network namespace that the benchmark
// raises for its run and puts back afterwards, such as net.netfilter.nf_conntrack_max,
// which only the initial namespace may write and which bounds every namespace's table.
//
// The file is opened before the process leaves the host's namespace
// (fwx::test::enterFirewallNetns()): a /proc/sys/net file belongs to the namespace of the
// thread that opened it, and the open descriptor keeps writing there.
#pragma once

#include <cstdint>
#include <string>

namespace fwx::bench {

class GlobalSysctl {
public:
    // path under /proc/sys, e.g. "net/netfilter/nf_conntrack_max". Throws std::system_error.
    explicit GlobalSysctl(const std::string& path);
    // Puts the original value back if raiseTo() changed it and nobody changed it since.
    ~GlobalSysctl();
    GlobalSysctl(const GlobalSysctl&) = delete;
    GlobalSysctl& operator=(const GlobalSysctl&) = delete;

    const std::string& path() const noexcept { return path_; }
    std::uint64_t original() const noexcept { return original_; }
    std::uint64_t value() const;
    // Writes value if the current one is lower; returns whether it wrote.
    bool raiseTo(std::uint64_t value);
    void restore() noexcept;

    // For a signal handler that must end the process at once: writes back every raised
    // sysctl with async-signal-safe calls only.
    static void restoreAllFromSignalHandler() noexcept;

private:
    std::string path_;
    int fd_ = -1;
    std::uint64_t original_ = 0;
    std::uint64_t written_ = 0; // 0 = nothing written
    int slot_ = -1;             // in the signal handler's table
};

} // namespace fwx::bench
