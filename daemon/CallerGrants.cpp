#include "daemon/CallerGrants.hpp"

#include "daemon/Log.hpp"

#include <algorithm>
#include <utility>

namespace fwx::daemon {

CallerGrants::CallerGrants(const Authorizer& lists, PolkitClient& polkit)
    : lists_(lists)
    , polkit_(polkit) {
}

// A group check is an NSS lookup, and GetManagedObjects reads every property of every
// object: the lists are asked once per connection.
CallerGrants::Entry& CallerGrants::entryOf(const Caller& caller) {
    auto it = entries_.find(caller.name);
    if (it == entries_.end()) {
        it = entries_.emplace(caller.name, Entry(lists_.grantsOf(caller.uid))).first;
    }
    return it->second;
}

const Grants& CallerGrants::known(const Caller& caller) {
    return entryOf(caller).grants;
}

void CallerGrants::settle(const Caller& caller, const std::vector<Permission>& needed,
                          Ready ready) {
    Entry& entry = entryOf(caller);
    std::vector<Permission> ask;
    for (const Permission permission : needed) {
        if (!entry.grants.holds(permission) && entry.asked.insert(permission).second) {
            entry.pending.insert(permission);
            ask.push_back(permission);
        }
    }
    entry.waiting.push_back({needed, std::move(ready)});
    for (const Permission permission : ask) {
        polkit_.check(caller.name, polkitAction(permission),
                      [this, name = caller.name, permission](const PolkitAnswer& answer) {
                          answered(name, permission, answer);
                      });
    }
    wakeUp(caller.name);
}

void CallerGrants::answered(const std::string& name, Permission permission,
                            const PolkitAnswer& answer) {
    const auto it = entries_.find(name);
    if (it == entries_.end()) {
        return; // the caller left meanwhile
    }
    Entry& entry = it->second;
    entry.pending.erase(permission);
    if (answer.authorized) {
        entry.grants.grant(permission);
        log::info("polkit grants {} to {} (uid {})", polkitAction(permission), name,
                  entry.grants.uid());
    } else {
        entry.grants.polkitRefused(permission, answer.why);
    }
    wakeUp(name);
}

// Runs the calls whose permissions are all settled now. A ready callback may settle more
// (entries_ keeps its elements in place) but not forget this caller.
void CallerGrants::wakeUp(const std::string& name) {
    Entry& entry = entries_.at(name);
    const auto unsettled = [&](const Waiting& waiting) {
        return std::any_of(waiting.needed.begin(), waiting.needed.end(),
                           [&](Permission p) { return entry.pending.contains(p); });
    };
    const auto split = std::stable_partition(entry.waiting.begin(), entry.waiting.end(), unsettled);
    std::vector<Waiting> ready(std::make_move_iterator(split),
                               std::make_move_iterator(entry.waiting.end()));
    entry.waiting.erase(split, entry.waiting.end());
    const Grants grants = entry.grants;
    for (const Waiting& waiting : ready) {
        waiting.ready(grants);
    }
}

void CallerGrants::forget(const std::string& name) {
    entries_.erase(name);
}

} // namespace fwx::daemon
