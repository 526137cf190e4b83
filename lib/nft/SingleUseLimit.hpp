#pragma once

#include "nft/Batch.hpp"
#include "redirect/Redirect.hpp"

#include <cstdint>
#include <string>

namespace fwx::nft {

// What makes a single-use permission strict: a named limit object with one token, which
// the permission's port maps to in once_limits_v4/once_limits_v6.
//   limit once-203.0.113.1-tcp-41000 { rate 1/<100 years> burst 1 packets }
//   once_limits_v4: 203.0.113.1 . tcp . 41000 : "once-203.0.113.1-tcp-41000"
// The permit rule evaluates it (limit name ... map @once_limits_v4) and takes the token
// under the object's spinlock (nft_limit_eval), so of any number of concurrent first
// packets, on any number of CPUs, exactly one passes. The token would come back after the
// unit, so the unit is far longer than any permission lives; the daemon removes the
// elements and the object with the redirect. nft 1.0.6 names no unit above a week and
// lists this one as "rate 1/error burst 1 packets".
class SingleUseLimit {
public:
    explicit SingleUseLimit(const redirect::Redirect& redirect);

    // After the port it guards, so that removing the redirect needs nothing else:
    // "once-203.0.113.1-tcp-41000", "once-2001:db8:1::1-udp-41000".
    static std::string nameFor(const redirect::Redirect& redirect);

    const std::string& name() const noexcept { return name_; }

    // NEWOBJ (exclusive: a name already taken fails the batch) / DELOBJ. The element that
    // maps to the object must go first: the kernel refuses to delete an object in use.
    void addTo(Batch& batch, const std::string& table) const;
    void removeFrom(Batch& batch, const std::string& table) const;

    // 100 years. The kernel takes any number of seconds below 2^64 ns.
    static constexpr std::uint64_t UnitSeconds = 100ULL * 365 * 24 * 60 * 60;

private:
    void send(Batch& batch, const std::string& table, std::uint16_t type,
              std::uint16_t flags) const;

    std::string name_;
    std::string port_; // "203.0.113.1:41000/tcp", for errors
};

} // namespace fwx::nft
