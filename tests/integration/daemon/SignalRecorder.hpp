// fwx::test::SignalRecorder: the signals one client connection received, in order.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

namespace fwx::test {

struct ReceivedSignal {
    std::string path;
    std::string interface;
    std::string member;
    // Expired: the reason; PropertiesChanged: "State=<value>" if State changed, else the
    // names of the changed properties; otherwise "".
    std::string argument;
    std::string destination; // as the message carried it ("" = broadcast)
};

std::ostream& operator<<(std::ostream& out, const ReceivedSignal& signal);

// Thread-safe, although FwxdClient feeds it from the test's own thread.
class SignalRecorder {
public:
    void record(ReceivedSignal signal);
    std::vector<ReceivedSignal> all() const;
    std::size_t count(const std::function<bool(const ReceivedSignal&)>& matches) const;
    // Every signal, one a line, for failure messages.
    std::string describe() const;

private:
    mutable std::mutex mutex_;
    std::vector<ReceivedSignal> signals_;
};

} // namespace fwx::test
