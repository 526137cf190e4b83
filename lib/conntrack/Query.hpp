#pragma once

#include "conntrack/Handle.hpp"

#include <functional>
#include <string>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

namespace fwx::conntrack {

// One ctnetlink query whose answers are handed to visit, one entry at a time: the one
// place that registers the library's C callback, keeps exceptions from unwinding through
// C (visit's exception is rethrown once the query has returned) and unregisters the
// callback afterwards, so a handle never points at a dead visitor.
//
// nfct_query(handle, query, data) for conntrack entries. ENOENT and other refusals throw
// fwx::Error(Failed) naming what with the errno, unless tolerated says otherwise.
void queryEntries(const Handle& handle, nf_conntrack_query query, const void* data,
                  const std::function<void(const nf_conntrack*)>& visit, const std::string& what,
                  int tolerated = 0);
// nfexp_query(handle, query, data) for expectations; the same rules.
void queryExpectations(const Handle& handle, nf_conntrack_query query, const void* data,
                       const std::function<void(const nf_expect*)>& visit, const std::string& what);

} // namespace fwx::conntrack
