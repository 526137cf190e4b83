#include "daemon/Daemon.hpp"

#include "daemon/Log.hpp"
#include "daemon/ObjectPaths.hpp"
#include "error/Error.hpp"
#include "redirect/RequestValidator.hpp"
#include "redirect/ValidatorLimits.hpp"

#include <csignal>
#include <string_view>

#include <fmt/format.h>
#include <systemd/sd-daemon.h>

namespace fwx::daemon {

namespace {

// Conntrack entries on allocatable ports fwxd remembers from its events (about 100 bytes
// each): far more than the connections of any real load, and a flood aimed at the internal
// addresses cannot grow fwxd beyond ~30 MB for it. Past it, requests dump the table.
constexpr std::size_t PortFlowsCapacity = std::size_t{1} << 18;

std::unique_ptr<sdbus::IConnection> connect(const std::string& bus) {
    if (bus == "system") {
        return sdbus::createSystemBusConnection();
    }
    if (bus == "session") {
        return sdbus::createSessionBusConnection();
    }
    return sdbus::createSessionBusConnectionWithAddress(bus);
}

redirect::RequestValidator validatorFor(const config::RedirectSettings& settings,
                                        redirect::Host& host) {
    redirect::ValidatorLimits limits;
    limits.internalAddresses = settings.internalAddresses;
    limits.maxPortsPerRequest = settings.maxPortsPerRequest;
    limits.defaultTimeout = settings.defaultTimeout;
    limits.maxTimeout = settings.maxTimeout;
    return {limits, host};
}

// The kernel settings fwxd relies on, in its network namespace, checked (and set where
// they are not) before the listener starts: events must be on for every connection.
conntrack::ListenerOptions listenerOptionsFor(const config::Config& config) {
    conntrack::requireConntrackEvents();
    if (!conntrack::enableAccounting()) {
        log::warning(log::Event::AccountingOff, {},
                     "net.netfilter.nf_conntrack_acct is 0 and cannot be set: Closed signals "
                     "will report 0 bytes and packets (set it to 1, e.g. with fwxd's "
                     "50-fwxd.sysctl.conf)");
    }
    conntrack::ListenerOptions options;
    if (config.conntrack.eventFilter) {
        options.destinations = config.redirect.internalAddresses;
    }
    options.receiveBuffer = static_cast<int>(config.conntrack.eventBufferBytes);
    return options;
}

redirect::SessionLimits sessionLimitsFor(const config::AccessSettings& access) {
    return {access.maxSessionsPerClient, access.maxActionsPerClient, access.maxSessionsPerUser,
            access.maxActionsPerUser};
}

} // namespace

Daemon::Daemon(const config::Config& config, const std::string& bus)
    : authorizer_(config.access, users_)
    , listener_(listenerOptionsFor(config))
    , ports_(config.redirect.portRange, host_)
    , portFlows_(config.redirect.portRange, PortFlowsCapacity)
    , reactor_(loop_)
    , relayEvents_(loop_)
    , relays_(reactor_, relayEvents_, relayEvents_, config.relay.udpIdleTimeout)
    , service_(validatorFor(config.redirect, host_), ports_, engine_, relays_, flows_, portFlows_)
    , protocols_(engine_, {config::Config::MaxProtocols, config.access.maxProtocolsPerUser})
    , filters_(protocols_)
    , dataFilters_(protocols_)
    , registry_(service_, flows_, portFlows_, expectations_, protocols_, clock_,
                sessionLimitsFor(config.access))
    , connection_(connect(bus))
    , dispatcher_(loop_, *connection_, [this](const std::string& why) { onBusLost(why); })
    , callers_(*connection_)
    , polkit_(*connection_)
    , grants_(authorizer_, polkit_)
    , sessions_(loop_, *connection_, registry_, listener_, relayEvents_, filters_, dataFilters_,
                grants_, callers_)
    , filterObjects_(loop_, *connection_, filters_, sessions_)
    , handOvers_(loop_, *connection_, sessions_, dataFilters_, relayEvents_)
    , events_(loop_, listener_, sessions_)
    , firewall_(*connection_, callers_, grants_, sessions_, filterObjects_, dataFilters_,
                protocols_, events_, {config.redirect.internalAddresses, config.redirect.portRange})
    , names_(*connection_, [this](const std::string& name) {
        sessions_.ownerVanished(name);
        filterObjects_.ownerVanished(name);
        for (const std::string& guid : dataFilters_.ownerVanished(name)) {
            log::info("the data filter of protocol {} went with {}", guid, name);
        }
    }) {
    dispatcher_.afterEachMessage([this] { sessions_.buryEnded(); });
    // The user-mode relay splices into sockets the peer may have reset: that write must
    // fail with EPIPE, not kill fwxd (splice has no MSG_NOSIGNAL).
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &ignore, nullptr) < 0) {
        throwSystemError("ignoring SIGPIPE", errno);
    }
}

// Every session belongs to a connection of the bus: with the bus gone, nothing fwxd
// programmed has an owner, and no one can reach fwxd to close it. run() removes it all as
// on SIGTERM, and the non-zero exit makes systemd restart fwxd (Restart=on-failure) once
// the bus is back.
void Daemon::onBusLost(const std::string& why) {
    log::error(log::Event::BusLost, {},
               "lost the D-Bus connection ({}): removing every redirect and exiting", why);
    loop_.exit(ExitBusLost);
}

int Daemon::run() {
    loop_.onSignal(SIGTERM, [this] { loop_.exit(0); });
    loop_.onSignal(SIGINT, [this] { loop_.exit(0); });
    try {
        connection_->requestName(BusName);
    } catch (const sdbus::Error& e) {
        throw Error(ErrorCode::Failed,
                    fmt::format("cannot own the bus name {}: {}", BusName, e.getMessage()));
    }
    log::info(log::Event::Ready, {}, "ready: {} on {}", BusName, connection_->getUniqueName());
    sd_notify(0, "READY=1\nSTATUS=Serving redirects");
    const int code = loop_.run();
    sd_notify(0, "STOPPING=1\nSTATUS=Removing every redirect");
    log::info(log::Event::Stopping, {}, "stopping: removing {} redirect(s) of {} session(s)",
              registry_.activeRedirects(), registry_.sessions().size());
    for (const Error& error : registry_.shutdown().cleanupErrors) {
        log::error(log::Event::KernelFailure, {}, "removing redirects: {}", error.what());
    }
    return code;
}

} // namespace fwx::daemon
