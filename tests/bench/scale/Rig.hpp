// fwx::bench::Rig: what a scale run measures against. A private dbus-daemon, the real fwxd
// of this build configured for scale in the lab's firewall namespace (this process's), the
// measuring clients, a monitor client, and one redirect that stays for the whole run (UDP,
// ALLOW_MULTIPLE, to the lab's server) for the traffic the run sends through the firewall.
#pragma once

#include "BusClient.hpp"
#include "BusDaemon.hpp"
#include "ClientPool.hpp"
#include "FwxdProcess.hpp"
#include "lab/Lab.hpp"

#include <cstddef>
#include <string>

namespace fwx::bench {

class Rig {
public:
    // Port range of fwxd: 64,512 ports per transport on its one (IPv4) internal address.
    static constexpr const char* PortRange = "1024-65535";
    // The server port the staying redirect leads to.
    static constexpr std::uint16_t TrafficPort = 9999;

    // Must run in the firewall namespace (enterFirewallNetns()), on the main thread.
    Rig(const test::Lab& lab, std::size_t clients);
    ~Rig();
    Rig(const Rig&) = delete;
    Rig& operator=(const Rig&) = delete;

    static test::FwxdSettings settings();

    const test::Lab& lab() const noexcept { return lab_; }
    const std::string& busAddress() const noexcept { return bus_.address(); }
    ClientPool& pool() noexcept { return pool_; }
    pid_t fwxdPid() const noexcept { return fwxd_.pid(); }
    // Throws std::runtime_error with the end of fwxd's log if fwxd is gone.
    void checkFwxdRuns();
    // What fwxd logged so far.
    std::string fwxdLog() const { return fwxd_.log(); }

    // Firewall1.ActiveRedirects, read by the monitor client.
    std::size_t activeRedirects();
    // The monitor client: one thread at a time.
    BusClient& monitor() noexcept { return monitor_; }
    // VmRSS of fwxd in KiB (/proc/PID/status).
    std::size_t rssKiB() const;
    // fwxd's CPU time so far, utime + stime (/proc/PID/stat), in milliseconds.
    double cpuMilliseconds() const;

    // Where the run's traffic goes: the staying redirect's internal address and port, and
    // the server socket address it leads to.
    const test::SocketAddress& trafficDestination() const noexcept { return destination_; }
    const test::SocketAddress& trafficReceiver() const noexcept { return receiver_; }
    // Deletes the conntrack entries of the run's traffic (original destination: fwxd's
    // internal address), so that they do not weigh on later measurements.
    void forgetTrafficFlows();

private:
    const test::Lab& lab_;
    test::BusDaemon bus_;
    test::FwxdProcess fwxd_;
    BusClient monitor_;
    std::string staySession_;
    test::SocketAddress destination_;
    test::SocketAddress receiver_;
    ClientPool pool_;
};

// The last lines of text.
std::string tail(const std::string& text, std::size_t lines);

} // namespace fwx::bench
