// fwx::test::FakeJournal: journald's native socket, for a test to read what fwxd sends it.
//
// libsystemd sends to the fixed path /run/systemd/journal/socket. The fake binds a datagram
// socket at DIR/journal/socket in a directory of its own; mount() binds DIR over
// /run/systemd in fwxd's own mount namespace (ChildOptions::mounts), where the socket is
// then at that path, for fwxd alone. A thread receives every datagram as it comes: the
// kernel queues only net.unix.max_dgram_qlen of them (10 here), and a full queue would
// block the daemon's next record.
#pragma once

#include "ChildProcess.hpp"
#include "lab/Deadline.hpp"
#include "lab/UniqueFd.hpp"

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace fwx::test {

// One journal entry: its fields in the order they came; a name may repeat (ACTION).
using JournalEntry = std::vector<std::pair<std::string, std::string>>;

// Parses one entry of the journal's native protocol (systemd's JOURNAL_NATIVE_PROTOCOL):
// "NAME=value\n", or for a value that may hold anything, "NAME\n", its size as a little
// endian 64-bit number, the value and "\n". Throws std::runtime_error saying what is wrong.
JournalEntry parseNativeEntry(std::string_view data);

// Every value of name in entry, in order.
std::vector<std::string> valuesOf(const JournalEntry& entry, std::string_view name);
// The first value of name; "" if there is none.
std::string valueOf(const JournalEntry& entry, std::string_view name);

class FakeJournal {
public:
    enum class State {
        Listening, // the socket, received from
        Missing,   // no socket: a host without journald, or a namespace that hides it
        Dead,      // a socket file no one listens on (sends fail with ECONNREFUSED)
    };

    // Makes the directory and the socket in it as state says. Throws std::system_error.
    explicit FakeJournal(State state = State::Listening);
    // Stops receiving and removes the socket and the directory.
    ~FakeJournal();
    FakeJournal(const FakeJournal&) = delete;
    FakeJournal& operator=(const FakeJournal&) = delete;

    // The directory over /run/systemd, for ChildOptions::mounts.
    BindMount mount() const { return {directory_, "/run/systemd"}; }

    std::vector<JournalEntry> entries() const;
    // Datagrams that were not the native protocol (or were cut short); empty if none.
    std::vector<std::string> errors() const;
    // Waits up to timeout for an entry that matches; nullopt if none came.
    std::optional<JournalEntry> waitFor(const std::function<bool(const JournalEntry&)>& matches,
                                        milliseconds timeout) const;

private:
    void receiveUntilStopped();
    // One datagram, or the memfd it carried (large entries come that way); false: stop.
    bool receiveOne(std::vector<char>& buffer);
    void keep(const std::string& data);

    std::string directory_;
    std::string socketPath_;
    UniqueFd socket_;
    UniqueFd stop_;
    mutable std::mutex mutex_;
    mutable std::condition_variable arrived_;
    std::vector<JournalEntry> entries_;
    std::vector<std::string> errors_;
    std::thread receiver_;
};

} // namespace fwx::test
