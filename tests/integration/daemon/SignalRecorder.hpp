// fwx::test::SignalRecorder: the signals one client connection received, in order.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include <sdbus-c++/sdbus-c++.h>

namespace fwx::test {

struct ReceivedSignal {
    std::string path;
    std::string interface;
    std::string member;
    // Expired: the reason; Finished: "<state>,<connections>"; PropertiesChanged: "State=<value>" if
    // State changed, else the names of the changed properties; otherwise "".
    std::string argument;
    std::string destination; // as the message carried it ("" = broadcast)
    // Established and Closed: the connection's a{sv}.
    std::map<std::string, sdbus::Variant> connection;
};

std::ostream& operator<<(std::ostream& out, const ReceivedSignal& signal);

// Thread-safe, although FwxdClient feeds it from the test's own thread.
class SignalRecorder {
public:
    void record(ReceivedSignal signal);
    std::vector<ReceivedSignal> all() const;
    std::size_t count(const std::function<bool(const ReceivedSignal&)>& matches) const;
    // The signals of path with member, in order.
    std::vector<ReceivedSignal> of(const std::string& path, const std::string& member) const;
    // Every signal, one a line, for failure messages.
    std::string describe() const;

private:
    mutable std::mutex mutex_;
    std::vector<ReceivedSignal> signals_;
};

} // namespace fwx::test
