#pragma once

#include "redirect/Owner.hpp"
#include "redirect/ProtocolRegistry.hpp"

#include <map>
#include <string>
#include <vector>

namespace fwx::redirect {

// A data filter: the redirects of its protocol run in user mode, and each admitted
// connection is handed to handler (an object path on the owner's bus connection).
struct DataFilter {
    std::string protocolGuid;
    Owner owner;
    std::string handler;
};

// The registered data filters: at most one per protocol, since a connection can be handed to
// one process only. Who may register one is the caller's decision (the daemon lets
// administrators); a filter lasts until its owner leaves.
class DataFilters {
public:
    explicit DataFilters(const ProtocolRegistry& protocols)
        : protocols_(protocols) {}

    // The same owner registering again replaces its handler. Throws fwx::Error:
    // UnknownProtocol, NotSupported for a UDP protocol (a UDP flow has no socket of its own
    // to hand over), QuotaExceeded when another connection holds the protocol's filter.
    const DataFilter& add(const Owner& owner, const std::string& protocolGuid,
                          const std::string& handler);
    // Removes the filters of a bus connection that left; returns their protocols.
    std::vector<std::string> ownerVanished(const std::string& ownerName);
    // The protocol's filter, nullptr if none.
    const DataFilter* find(const std::string& protocolGuid) const;

private:
    const ProtocolRegistry& protocols_;
    std::map<std::string, DataFilter> filters_; // by protocol GUID
};

} // namespace fwx::redirect
