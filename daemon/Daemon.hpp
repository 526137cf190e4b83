#pragma once

#include "config/Config.hpp"
#include "conntrack/Expectations.hpp"
#include "conntrack/FlowTable.hpp"
#include "conntrack/KernelSettings.hpp"
#include "conntrack/Listener.hpp"
#include "daemon/Authorizer.hpp"
#include "daemon/BusDispatcher.hpp"
#include "daemon/CallerGrants.hpp"
#include "daemon/Callers.hpp"
#include "daemon/ConnectFilterObjects.hpp"
#include "daemon/ConntrackEvents.hpp"
#include "daemon/EventLoop.hpp"
#include "daemon/FirewallObject.hpp"
#include "daemon/HandOvers.hpp"
#include "daemon/NameWatcher.hpp"
#include "daemon/PolkitAuthority.hpp"
#include "daemon/RelayEventQueue.hpp"
#include "daemon/SdEventReactor.hpp"
#include "daemon/SessionObjects.hpp"
#include "daemon/UserDatabase.hpp"
#include "nft/Engine.hpp"
#include "redirect/Clock.hpp"
#include "redirect/KernelHost.hpp"
#include "redirect/PortAllocator.hpp"
#include "redirect/PortFlows.hpp"
#include "redirect/ProtocolRegistry.hpp"
#include "redirect/Service.hpp"
#include "redirect/SessionRegistry.hpp"
#include "relay/RelayPool.hpp"

#include <memory>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

namespace fwx::daemon {

// fwxd, assembled: every part is built here from the configuration, in dependency order,
// and torn down in reverse — the bus objects first, then every redirect still open, then
// the nft table. Nothing else holds the parts together.
class Daemon {
public:
    // bus: "system", "session" or a D-Bus address. Sets up the kernel side and the bus
    // objects but does not take the bus name yet. Throws fwx::Error, sdbus::Error.
    Daemon(const config::Config& config, const std::string& bus);
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Takes the bus name, tells systemd it is ready and serves until SIGTERM or SIGINT
    // (exit code 0) or until the bus connection is lost (ExitBusLost). Removes every
    // redirect either way. Returns the exit code.
    int run();

    static constexpr int ExitBusLost = 3;

private:
    void onBusLost(const std::string& why);

    EventLoop loop_;
    SystemUserDatabase users_;
    // Before anything touches the kernel: an unknown user name stops the start cleanly.
    Authorizer authorizer_;
    redirect::KernelHost host_;
    // Listening before anything can create a redirect, so that no event of one is missed.
    conntrack::Listener listener_;
    nft::Engine engine_;
    conntrack::FlowTable flows_;
    conntrack::Expectations expectations_;
    redirect::PortAllocator ports_;
    redirect::PortFlows portFlows_;
    SdEventReactor reactor_;
    RelayEventQueue relayEvents_;
    relay::RelayPool relays_;
    redirect::Service service_;
    redirect::ProtocolRegistry protocols_;
    redirect::ConnectFilters filters_;
    redirect::DataFilters dataFilters_;
    redirect::SystemClock clock_;
    redirect::SessionRegistry registry_;
    std::unique_ptr<sdbus::IConnection> connection_;
    BusDispatcher dispatcher_;
    Callers callers_;
    PolkitAuthority polkit_;
    CallerGrants grants_;
    SessionObjects sessions_;
    ConnectFilterObjects filterObjects_;
    HandOvers handOvers_;
    ConntrackEvents events_;
    FirewallObject firewall_;
    NameWatcher names_;
};

} // namespace fwx::daemon
