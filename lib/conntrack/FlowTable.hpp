// lib/conntrack: the daemon's access to the kernel's connection tracking (ctnetlink).
//
// Lives here: deletion of stale flows when a port is (re)allocated (FlowTable); the event
// listener that reports flows and expectations, resynchronising by dump after an overrun
// (Listener), and the sysctls it needs (KernelSettings); later the conntrack expectations
// that back redirects of a helped primary connection. Everything goes
// through libnetfilter_conntrack, with every library object owned by an RAII type
// (Handle, Entry). Depends on net/, error/ and the interfaces of redirect/ it
// implements; redirect/ never depends on it.
#pragma once

#include "conntrack/Handle.hpp"
#include "redirect/Flow.hpp"
#include "redirect/FlowTable.hpp"
#include "redirect/Redirect.hpp"

#include <optional>
#include <vector>

namespace fwx::conntrack {

// redirect::FlowTable over ctnetlink, in the network namespace it was created in.
class FlowTable final : public redirect::FlowTable {
public:
    // Opens the ctnetlink socket. Throws fwx::Error(Failed) with the errno.
    FlowTable();

    // One delete request per entry, by tuple and id: no dump. Throws fwx::Error(Failed)
    // with the errno when ctnetlink refuses a delete (other than ENOENT).
    unsigned remove(const std::vector<redirect::Flow>& flows) override;
    // One NFCT_Q_GET by tuple (and id); ENOENT is none.
    std::optional<redirect::Flow> lookup(const redirect::Flow& flow) override;
    // One dump of the group's family, then one delete per stale entry. Entries that are
    // gone by the time they are deleted do not count. Throws fwx::Error(Failed) with the
    // errno when ctnetlink refuses the dump or a delete.
    unsigned removeStaleFlows(const redirect::RedirectGroup& group) override;

private:
    Handle handle_;
};

} // namespace fwx::conntrack
