// fwx::test::ConntrackFixture: the daemon fixture with conntrack timeouts short enough that
// a finished connection's entry (and so its Closed signal, or a primary's end) comes within
// seconds: conntrack only reports a connection closed when its entry is destroyed.
#pragma once

#include "DaemonFixture.hpp"

#include <functional>
#include <string>

namespace fwx::test {

class ConntrackFixture : public DaemonFixture {
protected:
    void SetUp() override;
    void TearDown() override;

    // Waits until done() (which reads what the client received), dispatching the client's
    // messages and dumping the conntrack table meanwhile: the kernel reaps an entry whose
    // timeout passed when a dump meets it, else only when its garbage collector comes by
    // (up to about a minute later), and only then reports it destroyed.
    ::testing::AssertionResult reapUntil(const std::function<bool()>& done, milliseconds timeout,
                                         const std::string& what);

    // The payload of a signal's a{sv}, for EXPECT_EQ.
    template <typename T> static T field(const ReceivedSignal& signal, const std::string& key) {
        const auto it = signal.connection.find(key);
        if (it == signal.connection.end()) {
            ADD_FAILURE() << signal.member << " lacks " << key;
            return T{};
        }
        return it->second.get<T>();
    }
};

} // namespace fwx::test
