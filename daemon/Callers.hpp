#pragma once

#include <map>
#include <memory>
#include <string>

#include <sdbus-c++/sdbus-c++.h>
#include <sys/types.h>

namespace fwx::daemon {

// A bus peer as fwxd knows it: its unique name and the uid the bus driver vouches for.
struct Caller {
    std::string name;
    uid_t uid = 0;
};

// Who sent the method call being dispatched. sdbus-c++ 1.2 tells a method handler its
// message but not a property getter (Properties.Get/GetAll and ObjectManager's
// GetManagedObjects are answered inside sd-bus), so a match on every incoming method call
// records the sender before sd-bus dispatches it: matches run first, one message at a
// time. Uids are asked of the bus driver (GetConnectionUnixUser) once per unique name —
// names are never reused — and forgotten when the peer leaves.
class Callers {
public:
    // Installs the match. Throws sdbus::Error.
    explicit Callers(sdbus::IConnection& connection);
    Callers(const Callers&) = delete;
    Callers& operator=(const Callers&) = delete;

    // The sender of the call being dispatched. Throws sdbus::Error if the bus cannot say
    // who it is.
    Caller current();
    void forget(const std::string& name) { uids_.erase(name); }

private:
    void record(sdbus::Message& message);

    std::string sender_;
    std::map<std::string, uid_t> uids_;
    std::unique_ptr<sdbus::IProxy> busDriver_;
    sdbus::Slot match_;
};

} // namespace fwx::daemon
