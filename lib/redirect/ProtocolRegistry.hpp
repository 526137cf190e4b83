#pragma once

#include "net/Prefix.hpp"
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
    // The servers (the primary connections' destination before NAT) whose primaries get
    // the helper: required with a helper, meaningless without one.
    std::vector<net::Prefix> servers;

    bool operator==(const ProtocolSpec&) const = default;
};

// Who registers a protocol. A protocol belongs to a uid, not to a bus connection: a proxy
// that restarts comes back on a new connection and must be able to register its protocol
// again, or remove it.
struct Registrant {
    std::uint32_t uid = 0;
    std::string busName; // for the log and for Protocols
    bool exempt = false; // an administrator: not held to ProtocolLimits::perUser
};

struct Protocol {
    std::string guid; // canonical: lower-case, no braces
    ProtocolSpec spec;
    std::uint32_t ownerUid = 0;
    std::string registeredBy; // the bus name that registered it
};

struct ProtocolLimits {
    std::size_t total = 256;  // protocols outlive their registrant, so they are capped
    std::size_t perUser = 16; // so that one user cannot take all of them
};

// The protocols registered with the daemon, by GUID. They outlive their registrant's
// session (a protocol is configuration, not a connection), so their number is capped.
// A protocol with a Helper has it attached to new primary connections through nft.
class ProtocolRegistry {
public:
    // The most Servers one protocol names; each server times each port is a kernel element.
    static constexpr std::size_t MaxServers = 16;

    // "{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}" or without braces -> lower case without
    // braces. Throws fwx::Error(InvalidArgument) quoting the text.
    static std::string canonicalGuid(std::string_view text);

    explicit ProtocolRegistry(NftBackend& nft, ProtocolLimits limits = {});
    // Detaches every helper (errors are swallowed: the owned nft table goes anyway).
    ~ProtocolRegistry();
    ProtocolRegistry(const ProtocolRegistry&) = delete;
    ProtocolRegistry& operator=(const ProtocolRegistry&) = delete;

    struct Added {
        const Protocol& protocol;
        bool isNew; // false: the same uid registered the same spec before; nothing changed
    };
    // Registering a GUID again with the same spec from the same uid changes nothing and
    // succeeds (a restarted proxy). Throws InvalidArgument (bad GUID or spec, registered by
    // another uid or with another spec, a primary port and server whose connections another
    // protocol already gives a helper), QuotaExceeded, Failed (the kernel refused the
    // helper; nothing is registered then).
    Added add(std::string_view guid, ProtocolSpec spec, const Registrant& registrant);
    // Throws UnknownProtocol, Failed (the helper stays attached and the protocol stays).
    void remove(std::string_view guid);
    // Throws UnknownProtocol (and InvalidArgument for a malformed GUID).
    const Protocol& get(std::string_view guid) const;
    const std::map<std::string, Protocol>& protocols() const noexcept { return protocols_; }

    // How the protocol's helper is attached in the kernel (the nft ct helper object).
    static HelperAssignment helperAssignmentOf(const Protocol& protocol);

private:
    void checkHelperFree(const ProtocolSpec& spec) const;
    void checkQuota(const Registrant& registrant) const;

    NftBackend& nft_;
    ProtocolLimits limits_;
    std::map<std::string, Protocol> protocols_;
};

} // namespace fwx::redirect
