#include "FwxdClient.hpp"

#include "lab/WaitUntil.hpp"

#include <ctime>
#include <utility>

#include <poll.h>

namespace fwx::test {

namespace {

constexpr const char* BarrierInterface = "org.fwxd.Test.Barrier";
constexpr const char* BarrierPath = "/org/fwxd/Test/Barrier";
constexpr milliseconds BarrierTimeout{10'000};

std::uint64_t monotonicUsec() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000U +
           static_cast<std::uint64_t>(now.tv_nsec) / 1000U;
}

} // namespace

FirewallProxy::FirewallProxy(sdbus::IConnection& connection, SignalRecorder& recorder)
    : ProxyInterfaces(connection, FwxdName, FirewallPath)
    , recorder_(recorder) {
    registerProxy();
}

FirewallProxy::~FirewallProxy() {
    unregisterProxy();
}

void FirewallProxy::onRedirectCreated(const sdbus::ObjectPath& action, const Options& info) {
    const sdbus::Message* message = getProxy().getCurrentlyProcessedMessage();
    ReceivedSignal signal;
    signal.path = FirewallPath;
    signal.interface = "org.fwxd.Firewall1";
    signal.member = "RedirectCreated";
    signal.argument = action;
    signal.connection = info;
    signal.destination = message != nullptr ? message->getDestination() : "";
    recorder_.record(std::move(signal));
}
void FirewallProxy::onInterfacesAdded(const sdbus::ObjectPath& /*path*/,
                                      const std::map<std::string, Options>& /*interfaces*/) {
}
void FirewallProxy::onInterfacesRemoved(const sdbus::ObjectPath& /*path*/,
                                        const std::vector<std::string>& /*interfaces*/) {
}

SessionProxy::SessionProxy(sdbus::IConnection& connection, const sdbus::ObjectPath& path)
    : ProxyInterfaces(connection, FwxdName, path) {
    registerProxy();
}

SessionProxy::~SessionProxy() {
    unregisterProxy();
}

ActionProxy::ActionProxy(sdbus::IConnection& connection, const sdbus::ObjectPath& path,
                         SignalRecorder& recorder)
    : ProxyInterfaces(connection, FwxdName, path)
    , recorder_(recorder) {
    registerProxy();
}

ActionProxy::~ActionProxy() {
    unregisterProxy();
}

void ActionProxy::record(const std::string& member, std::string argument, Options connection) {
    const sdbus::Message* message = getProxy().getCurrentlyProcessedMessage();
    ReceivedSignal signal;
    signal.path = getProxy().getObjectPath();
    signal.interface = message != nullptr ? message->getInterfaceName() : "";
    signal.member = member;
    signal.argument = std::move(argument);
    signal.connection = std::move(connection);
    signal.destination = message != nullptr ? message->getDestination() : "";
    recorder_.record(std::move(signal));
}

void ActionProxy::onEstablished(const Options& connection) {
    record("Established", "", connection);
}

void ActionProxy::onClosed(const Options& connection) {
    record("Closed", "", connection);
}

void ActionProxy::onExpired(const std::string& reason) {
    record("Expired", reason);
}

void ActionProxy::onFinished(const std::string& state, const uint32_t& connections) {
    record("Finished", state + "," + std::to_string(connections));
}

void ActionProxy::onPropertiesChanged(const std::string& /*interfaceName*/, const Options& changed,
                                      const std::vector<std::string>& /*invalidated*/) {
    std::string argument;
    const auto state = changed.find("State");
    if (state != changed.end()) {
        argument = "State=" + state->second.get<std::string>();
    } else {
        for (const auto& [name, value] : changed) {
            argument += argument.empty() ? name : "," + name;
        }
    }
    record("PropertiesChanged", std::move(argument));
}

FwxdClient::FwxdClient(const std::string& busAddress)
    : connection_(sdbus::createSessionBusConnectionWithAddress(busAddress))
    , firewall_(std::make_unique<FirewallProxy>(*connection_, recorder_)) {
    barrierObject_ = sdbus::createObject(*connection_, BarrierPath);
    barrierMatch_ =
        connection_->addMatch(std::string("type='signal',interface='") + BarrierInterface +
                                  "',sender='" + connection_->getUniqueName() + "'",
                              [this](sdbus::Message& message) {
                                  std::uint32_t n = 0;
                                  message >> n;
                                  barrierSeen_ = n;
                              });
}

FwxdClient::~FwxdClient() {
    actions_.clear();
    sessions_.clear();
    firewall_.reset();
    barrierMatch_.reset();
    barrierObject_.reset();
}

SessionProxy& FwxdClient::session(const sdbus::ObjectPath& path) {
    auto& proxy = sessions_[path];
    if (!proxy) {
        proxy = std::make_unique<SessionProxy>(*connection_, path);
    }
    return *proxy;
}

ActionProxy& FwxdClient::action(const sdbus::ObjectPath& path) {
    auto& proxy = actions_[path];
    if (!proxy) {
        proxy = std::make_unique<ActionProxy>(*connection_, path, recorder_);
    }
    return *proxy;
}

void FwxdClient::forget(const sdbus::ObjectPath& path) {
    sessions_.erase(path);
    actions_.erase(path);
}

sdbus::ObjectPath FwxdClient::openSession(const Options& options) {
    return firewall_->OpenSession(options);
}

Redirected FwxdClient::redirect(const sdbus::ObjectPath& session,
                                const std::vector<ConnectAddress>& targets,
                                const RedirectRequest& request) {
    Redirected redirected = redirectUnsubscribed(session, targets, request);
    for (const sdbus::ObjectPath& path : redirected.actions) {
        action(path);
    }
    return redirected;
}

Redirected FwxdClient::redirectUnsubscribed(const sdbus::ObjectPath& session,
                                            const std::vector<ConnectAddress>& targets,
                                            const RedirectRequest& request) {
    auto [internal, port, actions] = this->session(session).RedirectConnections(
        targets, request.internalAddress, request.proxyExternalAddress, request.protocol,
        request.flags, request.protocolGuid, request.options);
    return Redirected{std::move(internal), port, std::move(actions)};
}

bool FwxdClient::dispatchUntil(const std::function<bool()>& found, milliseconds timeout) {
    const Deadline deadline(timeout);
    for (;;) {
        while (connection_->processPendingRequest()) {
        }
        if (found()) {
            return true;
        }
        if (deadline.expired()) {
            return false;
        }
        const sdbus::IConnection::PollData poll = connection_->getEventLoopPollData();
        int wait = deadline.pollTimeout();
        if (poll.timeout_usec != UINT64_MAX) {
            const std::uint64_t now = monotonicUsec();
            const auto busWait = static_cast<int>(
                poll.timeout_usec > now ? (poll.timeout_usec - now + 999) / 1000 : 0);
            wait = std::min(wait, busWait);
        }
        pollfd fd{poll.fd, poll.events, 0};
        static_cast<void>(::poll(&fd, 1, wait));
    }
}

::testing::AssertionResult FwxdClient::waitForSignal(const std::string& path,
                                                     const std::string& member,
                                                     const std::optional<std::string>& argument,
                                                     milliseconds timeout) {
    if (dispatchUntil([&] { return received(path, member, argument) > 0; }, timeout)) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "no " << member << "(" << argument.value_or("*") << ") of " << path << " within "
           << timeout.count() << " ms; " << recorder_.describe();
}

std::size_t FwxdClient::received(const std::string& path, const std::string& member,
                                 const std::optional<std::string>& argument) const {
    return recorder_.count([&](const ReceivedSignal& signal) {
        return signal.path == path && signal.member == member &&
               (!argument || signal.argument == *argument);
    });
}

void FwxdClient::sync() {
    const std::uint32_t n = ++barrierSent_;
    barrierObject_->emitSignal("Sync").onInterface(BarrierInterface).withArguments(n);
    if (!dispatchUntil([&] { return barrierSeen_ >= n; }, BarrierTimeout)) {
        throw std::runtime_error("the client's own barrier signal did not come back");
    }
}

::testing::AssertionResult failsWith(const std::function<void()>& call, std::string_view name) {
    try {
        call();
    } catch (const sdbus::Error& e) {
        if (e.getName() == name) {
            return ::testing::AssertionSuccess() << e.getName() << ": " << e.getMessage();
        }
        return ::testing::AssertionFailure()
               << "expected " << name << ", got " << e.getName() << ": " << e.getMessage();
    }
    return ::testing::AssertionFailure() << "expected " << name << ", but the call succeeded";
}

::testing::AssertionResult objectGone(sdbus::IConnection& connection, const std::string& path,
                                      const std::string& interface) {
    auto proxy = sdbus::createProxy(connection, FwxdName, path);
    std::string last;
    // fwxd removes an ended object from the bus once the call that ended it has returned
    // (it must not destroy an object inside its own handler): a call that was already
    // queued may still reach it, so the wait is bounded rather than immediate.
    const auto gone = waitUntil(
        [&] {
            try {
                std::map<std::string, sdbus::Variant> properties;
                proxy->callMethod("GetAll")
                    .onInterface("org.freedesktop.DBus.Properties")
                    .withArguments(interface)
                    .storeResultsTo(properties);
                last = "it still answers for " + interface;
                return false;
            } catch (const sdbus::Error& e) {
                last = e.getName() + ": " + e.getMessage();
                return e.getName().starts_with("org.freedesktop.DBus.Error.Unknown");
            }
        },
        milliseconds{5000}, path + " to leave the bus");
    if (gone) {
        return ::testing::AssertionSuccess() << last;
    }
    return ::testing::AssertionFailure() << gone.message() << "; last answer: " << last;
}

} // namespace fwx::test
