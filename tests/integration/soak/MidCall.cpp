// A client that leaves the bus right after sending a call, without waiting for the answer:
// fwxd may serve the call after the client is gone, and must then remove whatever the call
// made once it hears the client left. The check after the step waits until nothing of the
// client is left.
#include "Calls.hpp"
#include "SoakDriver.hpp"

#include <fmt/format.h>

namespace fwx::test::soak {

namespace {

// sdbus-c++ sends the call at once (the queue of a fresh connection is empty) and flushes
// what is left when the connection closes.
template <typename... Results, typename... Args>
void sendWithoutWaiting(FwxdClient& client, const std::string& path, const char* interface,
                        const char* method, const Args&... args) {
    auto proxy = sdbus::createProxy(client.connection(), FwxdName, path);
    proxy->callMethodAsync(method).onInterface(interface).withArguments(args...).uponReplyInvoke(
        [](const sdbus::Error* /*error*/, Results... /*results*/) {});
}

} // namespace

void SoakDriver::disconnectMidCall() {
    ran_ = "disconnect-mid-call";
    const uid_t uid = chance(0.5) ? 0 : slot(2).uid;
    Client& client = connectClient(uid);
    const int id = client.id;
    ++tally_.midCallDisconnects;
    std::size_t variant = below(4);
    // The calls that need a session of the client first: without room for it, OpenSession.
    if (variant > 0 && predictedQuotaError(client, 1, context_.settings.maxPortsPerRequest)) {
        variant = 0;
    }
    current_ = fmt::format("disconnect mid-call: client {} (uid {}), variant {}", id, uid, variant);
    if (variant == 0) {
        sendWithoutWaiting<sdbus::ObjectPath>(*client.bus, FirewallPath, "org.fwxd.Firewall1",
                                              "OpenSession", randomSessionOptions(Family::V4));
        dropClient(id);
        return;
    }
    const sdbus::ObjectPath session = client.bus->openSession();
    model_.sessions.emplace(session, ModelSession{session, id, std::nullopt, {}, {}});
    const PlannedRedirect plan = planRedirect(session);
    if (variant == 1) {
        sendWithoutWaiting<std::string, std::uint16_t, std::vector<sdbus::ObjectPath>>(
            *client.bus, session, "org.fwxd.Session1", "RedirectConnections", plan.targets,
            plan.request.internalAddress, plan.request.proxyExternalAddress, plan.request.protocol,
            plan.request.flags, plan.request.protocolGuid, plan.request.options);
        dropClient(id);
        return;
    }
    runRedirect(client, plan);
    if (variant == 2) {
        sendWithoutWaiting<>(*client.bus, session, "org.fwxd.Session1", "Close");
    } else {
        sendWithoutWaiting<>(*client.bus, model_.sessions.at(session).actions.front(),
                             "org.fwxd.Action1", "Cancel");
    }
    dropClient(id);
}

} // namespace fwx::test::soak
