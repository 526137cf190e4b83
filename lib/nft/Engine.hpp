#pragma once

#include "net/NetlinkSocket.hpp"
#include "nft/EngineOptions.hpp"
#include "redirect/NftBackend.hpp"

#include <cstddef>
#include <cstdint>

namespace fwx::nft {

class Batch;

// The nftables side of fwxd. Creating an Engine creates table inet fwxd with the owner
// flag in one transaction; the table lives exactly as long as the Engine (and so the
// process): the kernel deletes it when the owning netlink socket closes.
class Engine final : public redirect::NftBackend {
public:
    // Throws fwx::Error(Failed) with the kernel's errno, e.g. EEXIST when the table exists
    // already (another fwxd in this network namespace).
    explicit Engine(EngineOptions options = {});

    void addGroup(const redirect::RedirectGroup& group) override;
    redirect::Removal removeRedirects(std::span<const redirect::Redirect> redirects) override;
    void addHelper(const redirect::HelperAssignment& assignment) override;
    void removeHelper(const redirect::HelperAssignment& assignment) override;

    // Kernel transactions this Engine committed, and their messages (begin/end excluded).
    struct Stats {
        std::uint64_t transactions = 0;
        std::uint64_t messages = 0;
    };
    const Stats& stats() const noexcept { return stats_; }
    const EngineOptions& options() const noexcept { return options_; }

private:
    // Throws a clear error if another process owns table: the EPERM of creating it
    // would otherwise read as a missing CAP_NET_ADMIN.
    static void throwIfOwned(const std::string& table);
    Batch newBatch();
    void commit(Batch& batch);

    EngineOptions options_;
    net::NetlinkSocket socket_;
    std::uint32_t sequence_;
    Stats stats_;
};

} // namespace fwx::nft
