// fwx::bench::ConntrackFiller: conntrack entries that have nothing to do with fwxd, created
// through ctnetlink (libnetfilter_conntrack, NFCT_Q_CREATE) in the calling thread's network
// namespace, as a busy firewall holds them.
//
// Entry i is a UDP flow 192.0.2.(100 + i / 50000):(10000 + i % 50000) -> 198.51.100.200:53
// with a one-hour timeout: documentation addresses only, none of them an fwxd internal
// address, no packet ever sent. The destructor deletes every entry it created.
#pragma once

#include <cstddef>
#include <memory>

struct nfct_handle;

namespace fwx::bench {

class ConntrackFiller {
public:
    static constexpr std::size_t MaxEntries = 2'500'000;

    // Throws std::system_error.
    ConntrackFiller();
    ~ConntrackFiller();
    ConntrackFiller(const ConntrackFiller&) = delete;
    ConntrackFiller& operator=(const ConntrackFiller&) = delete;

    // Creates entries until this filler holds count of them (at most MaxEntries). Checks
    // the stop signal as it goes. Throws std::system_error if the kernel refuses one
    // (e.g. ENOMEM: "table full", when net.netfilter.nf_conntrack_max is too low).
    void growTo(std::size_t count);
    // Deletes every entry it created (entries already gone are fine).
    void removeAll() noexcept;
    std::size_t size() const noexcept { return created_; }

private:
    struct Close {
        void operator()(nfct_handle* handle) const noexcept;
    };
    std::unique_ptr<nfct_handle, Close> handle_;
    std::size_t created_ = 0;
};

// net.netfilter.nf_conntrack_count of the calling thread's namespace.
std::size_t conntrackCount();

} // namespace fwx::bench
