#pragma once

#include "net/Transport.hpp"

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
class ProtocolRegistry {
public:
    // The kernel helpers a protocol may name.
    static const std::vector<std::string_view>& knownHelpers();
    // "{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}" or without braces -> lower case without
    // braces. Throws fwx::Error(InvalidArgument) quoting the text.
    static std::string canonicalGuid(std::string_view text);

    explicit ProtocolRegistry(std::size_t maxProtocols = 256);

    // Throws InvalidArgument (bad GUID or spec, already registered), QuotaExceeded.
    const Protocol& add(std::string_view guid, ProtocolSpec spec, const std::string& owner);
    // Throws UnknownProtocol.
    void remove(std::string_view guid);
    // Throws UnknownProtocol (and InvalidArgument for a malformed GUID).
    const Protocol& get(std::string_view guid) const;
    const std::map<std::string, Protocol>& protocols() const noexcept { return protocols_; }

private:
    std::size_t maxProtocols_;
    std::map<std::string, Protocol> protocols_;
};

} // namespace fwx::redirect
