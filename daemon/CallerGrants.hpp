#pragma once

#include "daemon/Authorizer.hpp"
#include "daemon/Callers.hpp"
#include "daemon/Grants.hpp"
#include "daemon/PolkitAuthority.hpp"

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace fwx::daemon {

// What each bus connection may do: what the [Access] lists grant its uid and, for a
// permission they do not grant, polkit's answer, asked once per connection when a method
// first needs that permission. Answers are kept for the connection's life (its uid cannot
// change) and forgotten when it leaves the bus. Reading properties never asks polkit
// (sd-bus answers property reads synchronously): it goes by what is known.
class CallerGrants {
public:
    using Ready = std::function<void(const Grants&)>;

    CallerGrants(const Authorizer& lists, PolkitClient& polkit);
    CallerGrants(const CallerGrants&) = delete;
    CallerGrants& operator=(const CallerGrants&) = delete;

    // What is known now, without asking polkit.
    const Grants& known(const Caller& caller);
    // Calls ready once every permission in needed is granted or refused for the caller:
    // at once if known, else when polkit has answered.
    void settle(const Caller& caller, const std::vector<Permission>& needed, Ready ready);
    void forget(const std::string& name);

private:
    struct Waiting {
        std::vector<Permission> needed;
        Ready ready;
    };
    struct Entry {
        explicit Entry(Grants from)
            : grants(std::move(from)) {}
        Grants grants;
        std::set<Permission> asked;
        std::set<Permission> pending;
        std::vector<Waiting> waiting;
    };

    Entry& entryOf(const Caller& caller);
    void answered(const std::string& name, Permission permission, const PolkitAnswer& answer);
    void wakeUp(const std::string& name);

    const Authorizer& lists_;
    PolkitClient& polkit_;
    std::map<std::string, Entry> entries_;
};

} // namespace fwx::daemon
