#include "conntrack/KernelSettings.hpp"

#include "conntrack/Entry.hpp"
#include "conntrack/Handle.hpp"
#include "error/Error.hpp"

#include <cerrno>
#include <fstream>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <fmt/format.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fwx::conntrack {

namespace {

constexpr std::string_view eventsKey = "net.netfilter.nf_conntrack_events";
constexpr std::string_view accountingKey = "net.netfilter.nf_conntrack_acct";

std::string pathOf(std::string_view key) {
    std::string path = fmt::format("/proc/sys/{}", key);
    for (char& c : path) {
        c = c == '.' ? '/' : c;
    }
    return path;
}

// Where nf_conntrack is a module its keys exist only once it is loaded. A ctnetlink
// request makes the kernel load nf_conntrack_netlink, and with it nf_conntrack; looking up
// a tuple that cannot exist is the cheapest request there is.
void loadConntrack() {
    const Handle handle = Handle::open();
    const Entry probe(nfct_new());
    if (!probe) {
        throwSystemError("allocating a conntrack entry", ENOMEM);
    }
    nfct_set_attr_u8(probe.get(), ATTR_L3PROTO, AF_INET);
    nfct_set_attr_u8(probe.get(), ATTR_L4PROTO, IPPROTO_TCP);
    nfct_set_attr_u32(probe.get(), ATTR_IPV4_SRC, 0);
    nfct_set_attr_u32(probe.get(), ATTR_IPV4_DST, 0);
    nfct_set_attr_u16(probe.get(), ATTR_PORT_SRC, 0);
    nfct_set_attr_u16(probe.get(), ATTR_PORT_DST, 0);
    static_cast<void>(nfct_query(handle.get(), NFCT_Q_GET, probe.get()));
}

// The value of the key, loading nf_conntrack first if the key does not exist yet.
std::string readSetting(std::string_view key) {
    const std::string path = pathOf(key);
    std::ifstream file(path);
    if (!file) {
        loadConntrack();
        file.open(path);
    }
    std::string value;
    if (!(file >> value)) {
        throwSystemError(fmt::format("reading {} ({}; is nf_conntrack available?)", key, path),
                         errno != 0 ? errno : ENOENT);
    }
    return value;
}

// 0 on success, else the errno.
int writeSetting(std::string_view key, std::string_view value) {
    const int fd = ::open(pathOf(key).c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno;
    }
    const ssize_t written = ::write(fd, value.data(), value.size());
    const int err = written < 0 ? errno : 0;
    ::close(fd);
    return err;
}

struct Outcome {
    std::string was; // the value found
    int error = 0;   // 0 if the key is 1 now, else the errno of the failed write
};

// Sets key to 1 unless it is.
Outcome ensureOne(std::string_view key) {
    Outcome outcome{readSetting(key), 0};
    if (outcome.was != "1") {
        outcome.error = writeSetting(key, "1\n");
    }
    return outcome;
}

} // namespace

void requireConntrackEvents() {
    const Outcome outcome = ensureOne(eventsKey);
    if (outcome.error != 0) {
        throw Error(ErrorCode::Failed,
                    fmt::format("{} is {}, and fwxd needs 1: with 2 (auto) a connection created "
                                "before a listener existed reports no events, nor do its "
                                "expectations. Install fwxd's sysctl.d file (50-fwxd.conf) or run "
                                "`sysctl -w {}=1` in fwxd's network namespace; setting it here "
                                "failed",
                                eventsKey, outcome.was, eventsKey),
                    outcome.error);
    }
}

bool enableAccounting() {
    return ensureOne(accountingKey).error == 0;
}

} // namespace fwx::conntrack
