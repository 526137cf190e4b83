#include "FakeJournal.hpp"

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace fwx::test {

namespace {

// Far above any entry fwxd sends as a datagram (libsystemd passes larger ones as a memfd);
// a datagram that does not fit is reported, not cut silently.
constexpr std::size_t DatagramBytes = 1U << 20;

[[noreturn]] void throwErrno(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

std::uint64_t littleEndian64(std::string_view bytes) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        value |= std::uint64_t{static_cast<unsigned char>(bytes[i])} << (8 * i);
    }
    return value;
}

// "NAME\n<le64 size><value>\n" at the start of data, after the name's newline.
std::string binaryValue(std::string_view& data, const std::string& name) {
    if (data.size() < 8) {
        throw std::runtime_error("field " + name + " ends inside its size");
    }
    const std::uint64_t size = littleEndian64(data);
    data.remove_prefix(8);
    if (size >= data.size() || data[size] != '\n') {
        throw std::runtime_error("field " + name + " of " + std::to_string(size) +
                                 " bytes is cut short or lacks its newline");
    }
    std::string value(data.substr(0, size));
    data.remove_prefix(size + 1);
    return value;
}

std::string readAll(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        throwErrno("fstat of a passed memfd");
    }
    std::string data(static_cast<std::size_t>(st.st_size), '\0');
    const ssize_t n = ::pread(fd, data.data(), data.size(), 0);
    if (n != st.st_size) {
        throwErrno("reading a passed memfd");
    }
    return data;
}

// The descriptor passed with msg (SCM_RIGHTS), or -1.
int passedFd(msghdr& msg) {
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int fd = -1;
            std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
            return fd;
        }
    }
    return -1;
}

} // namespace

JournalEntry parseNativeEntry(std::string_view data) {
    JournalEntry entry;
    while (!data.empty()) {
        const std::size_t newline = data.find('\n');
        if (newline == std::string_view::npos) {
            throw std::runtime_error("a field without its newline: " + std::string(data));
        }
        const std::size_t equals = data.find('=');
        if (equals < newline) {
            entry.emplace_back(data.substr(0, equals),
                               data.substr(equals + 1, newline - equals - 1));
            data.remove_prefix(newline + 1);
            continue;
        }
        std::string name(data.substr(0, newline));
        data.remove_prefix(newline + 1);
        std::string value = binaryValue(data, name);
        entry.emplace_back(std::move(name), std::move(value));
    }
    return entry;
}

std::vector<std::string> valuesOf(const JournalEntry& entry, std::string_view name) {
    std::vector<std::string> values;
    for (const auto& [key, value] : entry) {
        if (key == name) {
            values.push_back(value);
        }
    }
    return values;
}

std::string valueOf(const JournalEntry& entry, std::string_view name) {
    const std::vector<std::string> values = valuesOf(entry, name);
    return values.empty() ? std::string() : values.front();
}

FakeJournal::FakeJournal(State state) {
    std::string pattern = "/tmp/fwxd-journal-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throwErrno("mkdtemp " + pattern);
    }
    directory_ = pattern;
    if (::mkdir((directory_ + "/journal").c_str(), 0755) != 0) {
        throwErrno("mkdir " + directory_ + "/journal");
    }
    if (state == State::Missing) {
        return;
    }
    socketPath_ = directory_ + "/journal/socket";
    socket_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    socketPath_.copy(address.sun_path, sizeof address.sun_path - 1);
    if (!socket_ ||
        ::bind(socket_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        throwErrno("binding " + socketPath_);
    }
    if (state == State::Dead) {
        socket_.reset();
        return;
    }
    stop_.reset(::eventfd(0, EFD_CLOEXEC));
    if (!stop_) {
        throwErrno("eventfd");
    }
    receiver_ = std::thread([this] { receiveUntilStopped(); });
}

FakeJournal::~FakeJournal() {
    if (receiver_.joinable()) {
        const std::uint64_t one = 1;
        static_cast<void>(::write(stop_.get(), &one, sizeof one));
        receiver_.join();
    }
    if (!socketPath_.empty()) {
        ::unlink(socketPath_.c_str());
    }
    ::rmdir((directory_ + "/journal").c_str());
    ::rmdir(directory_.c_str());
}

std::vector<JournalEntry> FakeJournal::entries() const {
    const std::lock_guard lock(mutex_);
    return entries_;
}

std::vector<std::string> FakeJournal::errors() const {
    const std::lock_guard lock(mutex_);
    return errors_;
}

std::optional<JournalEntry>
FakeJournal::waitFor(const std::function<bool(const JournalEntry&)>& matches,
                     milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    std::optional<JournalEntry> found;
    arrived_.wait_for(lock, timeout, [&] {
        for (const JournalEntry& entry : entries_) {
            if (matches(entry)) {
                found = entry;
                return true;
            }
        }
        return false;
    });
    return found;
}

void FakeJournal::receiveUntilStopped() {
    std::vector<char> buffer(DatagramBytes);
    while (receiveOne(buffer)) {
    }
}

bool FakeJournal::receiveOne(std::vector<char>& buffer) {
    std::array<pollfd, 2> fds{{{socket_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), -1) < 0) {
        return errno == EINTR;
    }
    if (fds[1].revents != 0) {
        return false;
    }
    iovec data{buffer.data(), buffer.size()};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int))> control{};
    msghdr msg{};
    msg.msg_iov = &data;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const ssize_t n = ::recvmsg(socket_.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0) {
        return errno == EAGAIN || errno == EINTR;
    }
    const UniqueFd memfd(passedFd(msg));
    if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
        const std::lock_guard lock(mutex_);
        errors_.push_back("a datagram was cut short");
        return true;
    }
    try {
        keep(memfd ? readAll(memfd.get())
                   : std::string(buffer.data(), static_cast<std::size_t>(n)));
    } catch (const std::exception& e) {
        const std::lock_guard lock(mutex_);
        errors_.emplace_back(e.what());
    }
    return true;
}

void FakeJournal::keep(const std::string& data) {
    JournalEntry entry = parseNativeEntry(data);
    const std::lock_guard lock(mutex_);
    entries_.push_back(std::move(entry));
    arrived_.notify_all();
}

} // namespace fwx::test
