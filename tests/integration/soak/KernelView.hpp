// fwx::test::soak::KernelView: what the kernel holds for fwxd, read in-process: one netlink
// dump per set and map of table inet fwxd and per object type (TableDump), one dump of each
// family's expectation table, and the conntrack entries of the connections the soak made.
// Nothing here asks fwxd.
#pragma once

#include "SoakModel.hpp"
#include "TableDump.hpp"
#include "conntrack/Handle.hpp"
#include "net/Address.hpp"
#include "redirect/Flow.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace fwx::test::soak {

struct KernelElement {
    std::string set;
    std::vector<std::uint8_t> key;
    std::vector<std::uint8_t> keyEnd;
    std::vector<std::uint8_t> data;
    std::string objref;

    auto operator<=>(const KernelElement&) const = default;
};

struct KernelView {
    std::vector<KernelElement> elements; // of every set and map, helpers included
    std::set<std::string> limitObjects;  // single-use limits
    std::set<std::string> helperObjects; // ct helper objects
    // The connections asked for that conntrack still tracks, and every expectation.
    redirect::ConntrackSnapshot conntrack;
    SteadyTime readAt;           // when the reading started
    std::int64_t realReadAt = 0; // the same on CLOCK_REALTIME, µs
};

// Reads in the calling thread's network namespace: the firewall's, where fwxd runs.
class KernelReader {
public:
    KernelReader();

    // Throws std::runtime_error or fwx::Error if a dump fails.
    KernelView read(const std::vector<ConnectionMade>& connections) const;
    // The conntrack entry of one connection, if conntrack tracks it.
    std::optional<redirect::Flow> entryOf(const ConnectionMade& made) const;

    // The sets and maps of table inet fwxd that hold redirects, both families.
    static const std::vector<std::string>& redirectSets();

private:
    TableDump table_;
    conntrack::Handle flows_;
    conntrack::Handle expectations_;
};

// CLOCK_REALTIME now, µs: what fwxd's ExpiresAt counts in.
std::int64_t realtimeUsec();

} // namespace fwx::test::soak
