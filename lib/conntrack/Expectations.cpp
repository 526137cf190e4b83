#include "conntrack/Expectations.hpp"

#include "conntrack/Entry.hpp"
#include "conntrack/ExpectationCodec.hpp"
#include "conntrack/ExpectationDump.hpp"
#include "conntrack/Handle.hpp"
#include "conntrack/Query.hpp"
#include "error/Error.hpp"

#include <algorithm>
#include <cerrno>
#include <exception>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

namespace fwx::conntrack {

namespace {
[[noreturn]] void throwRefused(const char* doing, const redirect::Expectation& e, int err) {
    std::string context = std::string("conntrack: ") + doing + " expectation " + describe(e);
    if (err == EOPNOTSUPP) {
        context += " (the primary connection has no conntrack helper: the kernel takes "
                   "expectations only on a helped master)";
    } else if (err == ENOENT) {
        context += " (conntrack does not track the primary connection)";
    }
    throwSystemError(context, err);
}

// The kernel applies the helper's timeout on creation and ours only on an update of the
// existing expectation, hence two messages.
void createOne(const Handle& handle, const redirect::Expectation& e) {
    if (nfexp_query(handle.get(), NFCT_Q_CREATE, toKernel(e, false).get()) < 0) {
        throwRefused("creating", e, errno);
    }
}

void setTimeout(const Handle& handle, const redirect::Expectation& e) {
    if (nfexp_query(handle.get(), NFCT_Q_CREATE_UPDATE, toKernel(e, true).get()) < 0) {
        throwRefused("setting the timeout of", e, errno);
    }
}

// The expected tuple selects the one to delete (without one the kernel would flush the
// whole table, but toKernel always sets it). False if it was already gone.
bool destroyOne(const Handle& handle, const redirect::Expectation& e) {
    if (nfexp_query(handle.get(), NFCT_Q_DESTROY, toKernel(e, false).get()) >= 0) {
        return true;
    }
    const int err = errno;
    if (err != ENOENT) {
        throwRefused("deleting", e, err);
    }
    return false;
}

bool sameMaster(const redirect::Expectation& e, const redirect::PrimaryConnection& primary) {
    return e.master.transport == primary.transport && e.master.client == primary.client &&
           e.master.server == primary.server;
}

std::vector<redirect::Expectation> listOf(const Handle& handle,
                                          const redirect::PrimaryConnection& primary) {
    std::vector<redirect::Expectation> all = dumpExpectations(handle, primary.client.family());
    std::erase_if(all, [&](const redirect::Expectation& e) { return !sameMaster(e, primary); });
    return all;
}

// Every expectation must still exist: over the helper's per-master limit the kernel
// evicts the oldest and reports success all the same.
void confirm(const Handle& handle, const std::vector<redirect::Expectation>& expectations) {
    const auto present = listOf(handle, expectations.front().master);
    for (const redirect::Expectation& e : expectations) {
        const auto same = [&](const redirect::Expectation& p) {
            return p.sameAs(e);
        };
        if (std::none_of(present.begin(), present.end(), same)) {
            const std::string helper = present.empty() ? "" : " " + present.front().helper;
            throw Error(ErrorCode::Failed,
                        "conntrack: expectation " + describe(e) +
                            " is gone right after its creation: the primary's helper" + helper +
                            " keeps fewer expectations per connection and evicted it");
        }
    }
}

// Rolls back a failed create(): the error that made it fail is the one to report.
void removeQuietly(const Handle& handle,
                   const std::vector<redirect::Expectation>& expectations) noexcept {
    for (const redirect::Expectation& e : expectations) {
        try {
            destroyOne(handle, e);
        } catch (const std::exception&) {
            continue;
        }
    }
}
} // namespace

std::optional<std::string> Expectations::helperOf(const redirect::PrimaryConnection& primary) {
    const Handle handle = Handle::open();
    const Entry query = masterTuple(primary).toEntry();
    std::optional<std::string> helper;
    queryEntries(
        handle, NFCT_Q_GET, query.get(),
        [&](const nf_conntrack* ct) {
            helper = nfct_attr_is_set(ct, ATTR_HELPER_NAME) > 0
                         ? static_cast<const char*>(nfct_get_attr(ct, ATTR_HELPER_NAME))
                         : "";
        },
        "conntrack: looking up primary connection " + describe(primary), ENOENT);
    return helper;
}

std::vector<redirect::Expectation> Expectations::list(const redirect::PrimaryConnection& primary) {
    return listOf(Handle::openExpect(), primary);
}

void Expectations::create(const std::vector<redirect::Expectation>& expectations) {
    if (expectations.empty()) {
        return;
    }
    const Handle handle = Handle::openExpect();
    std::vector<redirect::Expectation> created;
    try {
        for (const redirect::Expectation& e : expectations) {
            createOne(handle, e);
            created.push_back(e);
            setTimeout(handle, e);
        }
        confirm(handle, expectations);
    } catch (...) {
        removeQuietly(handle, created);
        throw;
    }
}

void Expectations::remove(const std::vector<redirect::Expectation>& expectations) {
    if (expectations.empty()) {
        return;
    }
    const Handle handle = Handle::openExpect();
    // Every one is tried before the first refusal is reported: leave as little as possible.
    std::exception_ptr first;
    for (const redirect::Expectation& e : expectations) {
        try {
            destroyOne(handle, e);
        } catch (...) {
            if (!first) {
                first = std::current_exception();
            }
        }
    }
    if (first) {
        std::rethrow_exception(first);
    }
}

} // namespace fwx::conntrack
