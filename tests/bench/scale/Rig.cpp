#include "Rig.hpp"

#include "lab/Command.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

namespace fwx::bench {

namespace {

using test::Family;
using test::Lab;

test::SocketAddress openStayingRedirect(BusClient& client, const std::string& session) {
    RedirectCall call;
    call.protocol = "udp";
    call.flags = 0x1; // ALLOW_MULTIPLE
    call.targets.push_back({Lab::serverAddress(Family::V4), Rig::TrafficPort});
    const RedirectReply reply = client.redirect(session, call);
    return {reply.internalAddress, reply.basePort};
}

} // namespace

test::FwxdSettings Rig::settings() {
    test::FwxdSettings settings;
    // IPv4 only: the kernel-side event filter then drops every unrelated event (see
    // docs/benchmarks.md, "The kernel-side conntrack event filter").
    settings.internalAddresses = {Lab::internalAddress(Family::V4)};
    settings.portRange = PortRange;
    settings.maxPortsPerRequest = 1024;
    settings.maxSessionsPerClient = 64;
    settings.maxActionsPerClient = 1'000'000;
    // Every client of the bench is root: one uid.
    settings.maxSessionsPerUser = 1'000;
    settings.maxActionsPerUser = 1'000'000;
    return settings;
}

Rig::Rig(const test::Lab& lab, std::size_t clients)
    : lab_(lab)
    , fwxd_(bus_, settings())
    , monitor_(bus_.address())
    , staySession_(monitor_.openSession())
    , destination_(openStayingRedirect(monitor_, staySession_))
    , receiver_(Lab::serverAddress(Family::V4), TrafficPort)
    , pool_(bus_.address(), clients, Lab::serverAddress(Family::V4)) {
}

Rig::~Rig() = default;

void Rig::checkFwxdRuns() {
    if (!fwxd_.running()) {
        throw std::runtime_error("fwxd is gone; the end of its log:\n" + tail(fwxd_.log(), 20));
    }
}

std::size_t Rig::activeRedirects() {
    return monitor_.activeRedirects();
}

std::size_t Rig::rssKiB() const {
    std::ifstream status("/proc/" + std::to_string(fwxd_.pid()) + "/status");
    std::string key;
    while (status >> key) {
        if (key == "VmRSS:") {
            std::size_t kib = 0;
            status >> kib;
            return kib;
        }
        status.ignore(1 << 12, '\n');
    }
    throw std::runtime_error("no VmRSS for fwxd");
}

double Rig::cpuMilliseconds() const {
    std::ifstream stat("/proc/" + std::to_string(fwxd_.pid()) + "/stat");
    std::string text;
    std::getline(stat, text);
    // After the command name, which is in parentheses and may contain spaces: field 3 is
    // the state, 14 utime, 15 stime.
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int number = 3; fields >> field && number <= 15; ++number) {
        if (number >= 14) {
            ticks += std::stod(field);
        }
    }
    return ticks * 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

void Rig::forgetTrafficFlows() {
    // Exit status 1 when nothing matched.
    static_cast<void>(test::tryRun({"conntrack", "-D", "--orig-dst", destination_.address()}));
}

std::string tail(const std::string& text, std::size_t lines) {
    std::size_t at = text.size();
    for (std::size_t i = 0; i <= lines && at != std::string::npos && at > 0; ++i) {
        at = text.rfind('\n', at - 1);
    }
    return at == std::string::npos ? text : text.substr(at + 1);
}

} // namespace fwx::bench
