#pragma once

#include "net/Transport.hpp"
#include "redirect/HelperAssignment.hpp"
#include "redirect/NftBackend.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace fwx::redirect {

// What RegisterProtocol describes: an application protocol whose primary connections
// proxies handle (ISA's ProtocolGuid).
struct ProtocolSpec {
    std::string name;
    net::Transport transport = net::Transport::Tcp;
    std::vector<std::uint16_t> primaryPorts;
    // Kernel conntrack helper to attach to primary connections ("" = none), so that
    // expectations can hang on them.
    std::string helper;
};

struct Protocol {
    std::string guid; // canonical: lower-case, no braces
    ProtocolSpec spec;
    std::string owner; // bus name of the registrant
};

// The protocols registered with the daemon, by GUID. They outlive their registrant's
// session (a protocol is configuration, not a connection), so their number is capped.
// A protocol with a Helper has it attached to new primary connections through nft.
class ProtocolRegistry {
public:
    // "{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}" or without braces -> lower case without
    // braces. Throws fwx::Error(InvalidArgument) quoting the text.
    static std::string canonicalGuid(std::string_view text);

    explicit ProtocolRegistry(NftBackend& nft, std::size_t maxProtocols = 256);
    // Detaches every helper (errors are swallowed: the owned nft table goes anyway).
    ~ProtocolRegistry();
    ProtocolRegistry(const ProtocolRegistry&) = delete;
    ProtocolRegistry& operator=(const ProtocolRegistry&) = delete;

    // Throws InvalidArgument (bad GUID or spec, already registered, a primary port whose
    // connections another protocol already gives a helper), QuotaExceeded, Failed (the
    // kernel refused the helper; nothing is registered then).
    const Protocol& add(std::string_view guid, ProtocolSpec spec, const std::string& owner);
    // Throws UnknownProtocol, Failed (the helper stays attached and the protocol stays).
    void remove(std::string_view guid);
    // Throws UnknownProtocol (and InvalidArgument for a malformed GUID).
    const Protocol& get(std::string_view guid) const;
    const std::map<std::string, Protocol>& protocols() const noexcept { return protocols_; }

    // How the protocol's helper is attached in the kernel (the nft ct helper object).
    static HelperAssignment helperAssignmentOf(const Protocol& protocol);

private:
    void checkPortsFree(const ProtocolSpec& spec) const;

    NftBackend& nft_;
    std::size_t maxProtocols_;
    std::map<std::string, Protocol> protocols_;
};

} // namespace fwx::redirect
