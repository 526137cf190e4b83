// The valid operations of the soak: each predicts fwxd's answer from the model (success, or
// the quota it would exceed), asserts it, and records what changed in the model.
#include "Calls.hpp"
#include "SoakDriver.hpp"

#include <fmt/format.h>

namespace fwx::test::soak {

namespace {

constexpr const char* Session1 = "org.fwxd.Session1";
constexpr const char* Action1 = "org.fwxd.Action1";
constexpr const char* QuotaExceeded = "org.fwxd.Error.QuotaExceeded";
// Registered protocols the soak keeps at most (fwxd keeps 256).
constexpr std::size_t MaxProtocols = 12;
// Timeouts of TIMEOUT redirects: short, so that permissions expire during the run.
constexpr std::array<std::uint64_t, 4> TimeoutsMs{300, 800, 1500, 3000};
// An action this close to its deadline when the soak ends it may expire first.
constexpr milliseconds EndMargin{1000};

std::string otherHost(Family family) {
    return family == Family::V4 ? "192.0.2.77" : "2001:db8:c::77";
}

} // namespace

std::size_t SoakDriver::below(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(random_);
}

bool SoakDriver::chance(double p) {
    return std::bernoulli_distribution(p)(random_);
}

std::vector<sdbus::ObjectPath> SoakDriver::sessionsOf(int client) const {
    std::vector<sdbus::ObjectPath> paths;
    for (const auto& [path, session] : model_.sessions) {
        if (session.client == client) {
            paths.push_back(path);
        }
    }
    return paths;
}

std::vector<sdbus::ObjectPath> SoakDriver::actionsOf(int client) const {
    std::vector<sdbus::ObjectPath> paths;
    for (const auto& [path, action] : model_.actions) {
        if (action.client == client) {
            paths.push_back(path);
        }
    }
    return paths;
}

// The client's sessions if it may add n actions, else none.
std::vector<sdbus::ObjectPath> SoakDriver::sessionsWithRoom(const Client& client,
                                                            std::size_t n) const {
    if (predictedQuotaError(client, 0, n)) {
        return {};
    }
    return sessionsOf(client.id);
}

std::optional<std::string> SoakDriver::predictedQuotaError(const Client& client,
                                                           std::size_t sessions,
                                                           std::size_t actions) const {
    const FwxdSettings& limits = context_.settings;
    const bool over =
        (sessions > 0 &&
         (model_.sessionsOf(client.id) + sessions > limits.maxSessionsPerClient ||
          model_.sessionsOfUid(client.uid) + sessions > limits.maxSessionsPerUser)) ||
        (actions > 0 && (model_.actionsOf(client.id) + actions > limits.maxActionsPerClient ||
                         model_.actionsOfUid(client.uid) + actions > limits.maxActionsPerUser));
    return over ? std::optional<std::string>(QuotaExceeded) : std::nullopt;
}

Options SoakDriver::randomSessionOptions(Family family) {
    Options options;
    if (chance(0.3)) {
        options["Description"] = sdbus::Variant(fmt::format("soak {}", below(1000)));
    }
    if (chance(0.4)) {
        // Not a connection conntrack tracks: the redirects stay nft permissions, and admit
        // only its client by default (ISA's behaviour).
        const std::string client = chance(0.7) ? Lab::clientAddress(family) : otherHost(family);
        options["PrimaryConnection"] = sdbus::Variant(PrimaryStruct(
            chance(0.5) ? "tcp" : "udp", client, static_cast<std::uint16_t>(1024 + below(60000)),
            Lab::serverAddress(family), 21));
    }
    return options;
}

void SoakDriver::openSession() {
    ran_ = "open";
    Client& client = randomSlot();
    const Options options = randomSessionOptions(chance(0.5) ? Family::V4 : Family::V6);
    current_ = fmt::format("open: client {}", client.id);
    if (const auto quota = predictedQuotaError(client, 1, 0)) {
        expectError([&] { client.bus->openSession(options); }, *quota, current_);
        ++tally_.refusedByQuota;
        return;
    }
    const sdbus::ObjectPath path = client.bus->openSession(options);
    ModelSession session{path, client.id, std::nullopt, {}, {}};
    if (const auto primary = options.find("PrimaryConnection"); primary != options.end()) {
        session.primary = primary->second.get<PrimaryStruct>();
    }
    if (const auto description = options.find("Description"); description != options.end()) {
        session.description = description->second.get<std::string>();
    }
    model_.sessions.emplace(path, std::move(session));
    current_ += " -> " + std::string(path);
}

SoakDriver::PlannedRedirect SoakDriver::planRedirect(const sdbus::ObjectPath& session) {
    PlannedRedirect plan;
    plan.session = session;
    plan.family = chance(0.5) ? Family::V4 : Family::V6;
    const net::Transport transport = chance(0.5) ? net::Transport::Tcp : net::Transport::Udp;
    const auto& servers = targets_.at({plan.family, transport});
    const std::size_t n = 1 + below(context_.settings.maxPortsPerRequest);
    for (std::size_t i = 0; i < n; ++i) {
        const SocketAddress target = pick(servers)->address();
        plan.targets.emplace_back(target.address(), target.port());
    }
    RedirectRequest& r = plan.request;
    r.protocol = std::string(net::toString(transport));
    r.internalAddress = chance(0.5) ? "" : Lab::internalAddress(plan.family);
    const std::size_t proxy = below(10);
    r.proxyExternalAddress = proxy < 6   ? ""
                             : proxy < 9 ? Lab::proxyAddress(plan.family)
                                         : Lab::firewallServerSide(plan.family);
    r.flags = (chance(0.35) ? AllowMultiple : 0U) | (chance(0.4) ? TimeoutFlag : 0U);
    if ((r.flags & TimeoutFlag) != 0) {
        plan.timeout = std::chrono::seconds(context_.settings.defaultTimeoutSec);
        if (chance(0.75)) {
            const std::uint64_t ms = TimeoutsMs.at(below(TimeoutsMs.size()));
            r.options["Timeout"] = sdbus::Variant(ms * 1000);
            plan.timeout = milliseconds(ms);
        }
    }
    const bool v4 = plan.family == Family::V4;
    const std::vector<std::string> sources{
        Lab::clientAddress(plan.family), v4 ? "192.0.2.0/24" : "2001:db8:c::/64",
        otherHost(plan.family), v4 ? "0.0.0.0/0" : "::/0", v4 ? "192.0.0.0/16" : "2001:db8::/32"};
    std::optional<net::Prefix> source;
    if (chance(0.5)) {
        source = net::Prefix::parse(pick(sources));
        r.options["AllowedSource"] = sdbus::Variant(source->toString());
    }
    if (chance(0.3)) {
        r.options["Context"] = chance(0.5) ? sdbus::Variant(sdbus::Variant(std::string("call-7")))
                                           : sdbus::Variant(sdbus::Variant(std::uint64_t{7}));
    }
    if (chance(0.1)) {
        r.options["RequireExpectation"] = sdbus::Variant(false);
    }
    std::vector<std::string> protocols;
    for (const auto& [guid, protocol] : model_.protocols) {
        if (protocol.transport == transport) {
            protocols.push_back(guid);
        }
    }
    if (!protocols.empty() && chance(0.2)) {
        r.protocolGuid = pick(protocols);
    }
    // fwxd's default: a session that names its primary connection admits only its client.
    const auto& primary = model_.sessions.at(session).primary;
    const bool samePrimaryFamily =
        primary && net::Address::parse(primary->get<1>()).family() == plan.family;
    plan.allowedSource =
        source ? *source
               : (samePrimaryFamily ? net::Prefix::host(net::Address::parse(primary->get<1>()))
                                    : net::Prefix::any(plan.family));
    return plan;
}

void SoakDriver::runRedirect(Client& client, const PlannedRedirect& plan) {
    const std::size_t n = plan.targets.size();
    current_ =
        fmt::format("redirect: client {} session {} N={} {} {} flags {:#x} internal \"{}\" "
                    "proxy \"{}\" protocol \"{}\"",
                    client.id, std::string(plan.session), n, plan.request.protocol,
                    familyName(plan.family), plan.request.flags, plan.request.internalAddress,
                    plan.request.proxyExternalAddress, plan.request.protocolGuid);
    if (const auto quota = predictedQuotaError(client, 0, n)) {
        expectError(
            [&] { client.bus->redirectUnsubscribed(plan.session, plan.targets, plan.request); },
            *quota, current_);
        ++tally_.refusedByQuota;
        return;
    }
    const SteadyTime calledAt = SteadyClock::now();
    const std::int64_t realCalledAt = realtimeUsec();
    const Redirected redirected =
        client.bus->redirectUnsubscribed(plan.session, plan.targets, plan.request);
    const SteadyTime answeredAt = SteadyClock::now();
    const std::int64_t realAnsweredAt = realtimeUsec();
    current_ += fmt::format(" -> {}:{}", redirected.internalAddress, redirected.basePort);
    if (redirected.actions.size() != n ||
        redirected.internalAddress != Lab::internalAddress(plan.family) ||
        redirected.basePort < 41000 || redirected.basePort + n - 1 > 41999) {
        throw Mismatch(current_ + ": not N actions on N ports of the range");
    }
    const auto internal = net::Address::parse(redirected.internalAddress);
    for (std::size_t i = 0; i < n; ++i) {
        ModelAction a;
        a.path = redirected.actions[i];
        a.session = plan.session;
        a.client = client.id;
        a.transport = net::parseTransport(plan.request.protocol);
        a.internal = net::Endpoint{internal, static_cast<std::uint16_t>(redirected.basePort + i)};
        a.target =
            net::Endpoint{net::Address::parse(plan.targets[i].get<0>()), plan.targets[i].get<1>()};
        a.proxy = plan.request.proxyExternalAddress;
        a.flags = plan.request.flags;
        a.allowedSource = plan.allowedSource;
        a.timeout = plan.timeout;
        a.calledAt = calledAt;
        a.answeredAt = answeredAt;
        a.realCalledAt = realCalledAt;
        a.realAnsweredAt = realAnsweredAt;
        model_.addAction(std::move(a));
    }
}

void SoakDriver::redirect() {
    ran_ = "redirect";
    Client& client = randomSlot();
    const std::vector<sdbus::ObjectPath> sessions = sessionsOf(client.id);
    if (sessions.empty()) {
        openSession();
        return;
    }
    runRedirect(client, planRedirect(pick(sessions)));
}

// What the owner of an action that ends now for reason may be told: nothing once its
// permission is used up, Expired(reason) while it admits, Expired("timeout") if it expired.
void SoakDriver::recordEnd(const ModelAction& a, const std::string& reason) {
    ExpectedExpiry expiry{a.client, a.path, {}, false};
    if (!(a.singleUse() && a.reached > 0)) {
        switch (a.phase(SteadyClock::now(), EndMargin)) {
        case Phase::Open:
            expiry.reasons = {reason};
            expiry.mandatory = true;
            break;
        case Phase::Over:
            if (a.reached == 0) {
                expiry.reasons = {"timeout"};
                expiry.mandatory = true;
            }
            break;
        case Phase::Closing:
            expiry.reasons = {reason};
            if (a.reached == 0) {
                expiry.reasons.insert("timeout");
                expiry.mandatory = true;
            }
            break;
        }
    }
    model_.expectExpiry(std::move(expiry));
}

void SoakDriver::endAction(Client& caller, const sdbus::ObjectPath& path) {
    const ModelAction& action = model_.actions.at(path);
    const int owner = action.client;
    recordEnd(action, "cancelled");
    callMethod(*caller.bus, path, Action1, "Cancel");
    model_.removeAction(path);
    clients_.at(owner).bus->forget(path);
}

void SoakDriver::endSession(Client& caller, const sdbus::ObjectPath& path) {
    const ModelSession& session = model_.sessions.at(path);
    Client& owner = clients_.at(session.client);
    for (const sdbus::ObjectPath& action : session.actions) {
        recordEnd(model_.actions.at(action), "session-closed");
    }
    callMethod(*caller.bus, path, Session1, "Close");
    owner.bus->forget(path);
    model_.removeSession(path);
}

void SoakDriver::cancel() {
    ran_ = "cancel";
    Client& client = randomSlot();
    const std::vector<sdbus::ObjectPath> actions = actionsOf(client.id);
    if (actions.empty()) {
        redirect();
        return;
    }
    const sdbus::ObjectPath& path = pick(actions);
    current_ = fmt::format("cancel: client {} {}", client.id, std::string(path));
    endAction(client, path);
}

void SoakDriver::close() {
    ran_ = "close";
    Client& client = randomSlot();
    const std::vector<sdbus::ObjectPath> sessions = sessionsOf(client.id);
    if (sessions.empty()) {
        openSession();
        return;
    }
    const sdbus::ObjectPath& path = pick(sessions);
    current_ = fmt::format("close: client {} {}", client.id, std::string(path));
    endSession(client, path);
}

std::string SoakDriver::randomGuid() {
    return fmt::format("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", random_() & 0xffffffffU,
                       random_() & 0xffffU, random_() & 0xfffU, random_() & 0xfffU,
                       random_() & 0xffffffffffffULL);
}

// TODO(helpers): add Helper registrations once RegisterProtocol takes Servers.
Options SoakDriver::protocolSpec(net::Transport transport) {
    std::vector<std::uint16_t> ports;
    for (std::size_t i = 0, n = 1 + below(3); i < n; ++i) {
        ports.push_back(static_cast<std::uint16_t>(1 + below(65535)));
    }
    return {{"Name", sdbus::Variant(fmt::format("soak-{}", below(1000)))},
            {"Transport", sdbus::Variant(std::string(net::toString(transport)))},
            {"PrimaryPorts", sdbus::Variant(ports)}};
}

void SoakDriver::registerProtocol() {
    ran_ = "register";
    Client& client = randomSlot();
    std::vector<std::string> own;
    for (const auto& [guid, protocol] : model_.protocols) {
        if (protocol.owner == client.uid) {
            own.push_back(guid);
        }
    }
    // A proxy that restarts registers its protocols again: the same spec changes nothing.
    if (!own.empty() && chance(0.2)) {
        const ModelProtocol& again = model_.protocols.at(pick(own));
        current_ = fmt::format("register again: client {} {}", client.id, again.guid);
        client.bus->firewall().RegisterProtocol(again.guid, again.spec);
        return;
    }
    if (model_.protocols.size() >= MaxProtocols) {
        unregisterProtocol();
        return;
    }
    const std::string guid = randomGuid();
    const net::Transport transport = chance(0.5) ? net::Transport::Tcp : net::Transport::Udp;
    const Options spec = protocolSpec(transport);
    current_ = fmt::format("register: client {} (uid {}) {}", client.id, client.uid, guid);
    // Administrators (root here) are not held to MaxProtocolsPerUser.
    if (client.uid != 0 &&
        model_.protocolsOfUid(client.uid) >= context_.settings.maxProtocolsPerUser) {
        expectError([&] { client.bus->firewall().RegisterProtocol(guid, spec); }, QuotaExceeded,
                    current_);
        ++tally_.refusedByQuota;
        return;
    }
    client.bus->firewall().RegisterProtocol(guid, spec);
    model_.protocols[guid] = ModelProtocol{guid, client.uid, transport, spec};
}

// By a connection of the uid it belongs to, or by root.
void SoakDriver::unregisterProtocol() {
    ran_ = "unregister";
    if (model_.protocols.empty()) {
        registerProtocol();
        return;
    }
    auto it = model_.protocols.begin();
    std::advance(it, static_cast<std::ptrdiff_t>(below(model_.protocols.size())));
    const ModelProtocol protocol = it->second;
    Client& caller = protocol.owner != 0 && chance(0.5) ? slot(2) : slot(below(2));
    current_ = fmt::format("unregister: client {} {}", caller.id, protocol.guid);
    caller.bus->firewall().UnregisterProtocol(chance(0.5) ? protocol.guid
                                                          : "{" + protocol.guid + "}");
    model_.protocols.erase(protocol.guid);
}

void SoakDriver::disconnect() {
    ran_ = "disconnect";
    const std::size_t index = below(Slots);
    Client& client = slot(index);
    const uid_t uid = client.uid;
    current_ = fmt::format("disconnect: client {} ({} session(s))", client.id,
                           model_.sessionsOf(client.id));
    dropClient(client.id);
    slots_.at(index) = connectClient(uid).id;
}

// Root acts on another client's objects (as an administrator may), or the other uid tries
// to (and is refused).
void SoakDriver::foreignObjects() {
    ran_ = "foreign-objects";
    if (chance(0.5)) {
        deniedForeign();
        return;
    }
    Client& caller = slot(below(2)); // a root slot
    std::vector<sdbus::ObjectPath> sessions;
    std::vector<sdbus::ObjectPath> actions;
    for (const auto& [path, session] : model_.sessions) {
        if (session.client != caller.id) {
            sessions.push_back(path);
            actions.insert(actions.end(), session.actions.begin(), session.actions.end());
        }
    }
    if (sessions.empty()) {
        openSession();
        return;
    }
    const bool onAction = !actions.empty() && chance(0.6);
    const sdbus::ObjectPath path = onAction ? pick(actions) : pick(sessions);
    current_ = fmt::format("{} {} of another client as root: client {}",
                           onAction ? "cancel" : "close", std::string(path), caller.id);
    onAction ? endAction(caller, path) : endSession(caller, path);
}

// The other uid on root's objects: every call is refused by name and changes nothing.
void SoakDriver::deniedForeign() {
    Client& caller = slot(2);
    std::vector<sdbus::ObjectPath> sessions;
    std::vector<sdbus::ObjectPath> actions;
    for (const auto& [path, session] : model_.sessions) {
        if (model_.clients.at(session.client).uid == 0) {
            sessions.push_back(path);
            actions.insert(actions.end(), session.actions.begin(), session.actions.end());
        }
    }
    std::vector<std::string> protocols;
    for (const auto& [guid, protocol] : model_.protocols) {
        if (protocol.owner != caller.uid) {
            protocols.push_back(guid);
        }
    }
    std::function<void()> call;
    const std::size_t variant = below(4);
    if (variant == 0 && !actions.empty()) {
        const sdbus::ObjectPath path = pick(actions);
        current_ = "cancel " + std::string(path);
        call = [&caller, path] {
            callMethod(*caller.bus, path, Action1, "Cancel");
        };
    } else if (variant == 1 && !protocols.empty()) {
        const std::string guid = pick(protocols);
        current_ = "unregister " + guid;
        call = [&caller, guid] {
            caller.bus->firewall().UnregisterProtocol(guid);
        };
    } else if (variant == 2 && !sessions.empty()) {
        const PlannedRedirect plan = planRedirect(pick(sessions));
        current_ = "redirect into " + std::string(plan.session);
        call = [&caller, plan] {
            caller.bus->redirectUnsubscribed(plan.session, plan.targets, plan.request);
        };
    } else if (!sessions.empty()) {
        const sdbus::ObjectPath path = pick(sessions);
        current_ = "close " + std::string(path);
        call = [&caller, path] {
            callMethod(*caller.bus, path, Session1, "Close");
        };
    } else {
        openSession();
        return;
    }
    current_ = fmt::format("{} of root as client {} (uid {})", current_, caller.id, caller.uid);
    ++tally_.deniedForeign;
    expectError(call, "org.fwxd.Error.AccessDenied", current_);
}

} // namespace fwx::test::soak
