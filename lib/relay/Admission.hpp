#pragma once

#include "net/Address.hpp"
#include "net/Prefix.hpp"

#include <cstdint>
#include <optional>

namespace fwx::relay {

// Which clients a relay lets through, as the kernel gate does for a kernel-mode redirect:
// from the allowed source only, and only the first one unless many are allowed.
class Admission {
public:
    enum class Verdict : std::uint8_t {
        Admitted,
        Spent,      // single use, and a client was admitted already
        NotAllowed, // outside the allowed source prefix
        Stopped,    // the relay no longer admits anyone
    };

    Admission(bool allowMultiple, const std::optional<net::Prefix>& allowedSource);

    // Admitted consumes a single-use permission.
    Verdict admit(const net::Address& client);
    void stop() noexcept { stopped_ = true; }
    bool stopped() const noexcept { return stopped_; }
    std::uint64_t admitted() const noexcept { return admitted_; }
    std::uint64_t refused() const noexcept { return refused_; }

private:
    Verdict decide(const net::Address& client) const;

    bool allowMultiple_;
    std::optional<net::Prefix> allowedSource_;
    bool stopped_ = false;
    std::uint64_t admitted_ = 0;
    std::uint64_t refused_ = 0;
};

} // namespace fwx::relay
