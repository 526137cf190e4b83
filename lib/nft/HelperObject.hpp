#pragma once

#include "nft/Batch.hpp"
#include "redirect/HelperAssignment.hpp"

#include <string>

namespace fwx::nft {

// A registered protocol's conntrack helper in table inet fwxd: a ct helper object named
// after the assignment, and one element of helpers_v4/helpers_v6 per server and port
// pointing at it, so that helpers_prerouting attaches the kernel helper to new connections
// to those ports of those servers, and to no others.
//   ct helper <name> { type "<helper>" protocol tcp; l3proto inet; }
//   add element inet fwxd helpers_v4 { 198.51.100.0/24 . tcp . 6667 : "<name>" }
// l3proto inet asks for the helper of both families; the kernel takes the object if
// either exists (irc: IPv4 only) and leaves connections of the other family alone.
class HelperObject {
public:
    HelperObject(redirect::HelperAssignment assignment, std::string table);

    // NEWOBJ then NEWSETELEM: fails with EEXIST if the object or one of the elements exists,
    // ENOENT if the kernel has no such helper.
    void addTo(Batch& batch) const;
    // DELSETELEM then DELOBJ.
    void removeFrom(Batch& batch) const;

private:
    void sendObject(Batch& batch, std::uint16_t type, std::uint16_t flags) const;
    void sendPorts(Batch& batch, std::uint16_t type, std::uint16_t flags) const;
    std::string describePorts() const;

    redirect::HelperAssignment assignment_;
    std::string table_;
};

} // namespace fwx::nft
