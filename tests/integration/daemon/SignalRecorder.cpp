#include "SignalRecorder.hpp"

#include <sstream>
#include <utility>

namespace fwx::test {

std::ostream& operator<<(std::ostream& out, const ReceivedSignal& signal) {
    return out << signal.path << " " << signal.interface << "." << signal.member << "("
               << signal.argument << ") to "
               << (signal.destination.empty() ? "everyone" : signal.destination);
}

void SignalRecorder::record(ReceivedSignal signal) {
    const std::lock_guard lock(mutex_);
    signals_.push_back(std::move(signal));
}

std::vector<ReceivedSignal> SignalRecorder::all() const {
    const std::lock_guard lock(mutex_);
    return signals_;
}

std::size_t SignalRecorder::count(const std::function<bool(const ReceivedSignal&)>& matches) const {
    const std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const ReceivedSignal& signal : signals_) {
        n += matches(signal) ? 1U : 0U;
    }
    return n;
}

std::string SignalRecorder::describe() const {
    const std::lock_guard lock(mutex_);
    std::ostringstream text;
    text << signals_.size() << " signal(s) received";
    for (const ReceivedSignal& signal : signals_) {
        text << "\n  " << signal;
    }
    return text.str();
}

std::vector<ReceivedSignal> SignalRecorder::of(const std::string& path,
                                               const std::string& member) const {
    const std::lock_guard lock(mutex_);
    std::vector<ReceivedSignal> found;
    for (const ReceivedSignal& signal : signals_) {
        if (signal.path == path && signal.member == member) {
            found.push_back(signal);
        }
    }
    return found;
}

} // namespace fwx::test
