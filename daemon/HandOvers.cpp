#include "daemon/HandOvers.hpp"

#include "daemon/Log.hpp"
#include "daemon/ObjectPaths.hpp"
#include "daemon/SessionObjects.hpp"
#include "relay/Sockets.hpp"

#include <utility>

#include <sys/socket.h>

namespace fwx::daemon {

namespace {

// fwxd's copies until the filter answered: on failure, shutdown() ends the connection for
// every holder of the sockets, the filter's copies included.
struct Sockets {
    relay::UniqueFd client;
    relay::UniqueFd target;

    void shutDown() const noexcept {
        ::shutdown(client.get(), SHUT_RDWR);
        ::shutdown(target.get(), SHUT_RDWR);
    }
};

std::map<std::string, sdbus::Variant> infoOf(const redirect::Action& action,
                                             const redirect::Flow& flow) {
    return {{"Action", sdbus::Variant(actionPath(action.id))},
            {"Session", sdbus::Variant(sessionPath(action.session))},
            {"ClientAddress", sdbus::Variant(flow.client.address.toString())},
            {"ClientPort", sdbus::Variant(flow.client.port)},
            {"TargetAddress", sdbus::Variant(flow.target.address.toString())},
            {"TargetPort", sdbus::Variant(flow.target.port)},
            {"SourceAddress", sdbus::Variant(flow.source.address.toString())},
            {"SourcePort", sdbus::Variant(flow.source.port)}};
}

} // namespace

HandOvers::HandOvers(EventLoop& loop, sdbus::IConnection& connection, SessionObjects& sessions,
                     const redirect::DataFilters& filters, RelayEventQueue& queue)
    : loop_(loop)
    , connection_(connection)
    , sessions_(sessions)
    , filters_(filters)
    , queue_(queue) {
    queue_.handOversTo([this](RelayEventQueue::HandedOver handed) { handOver(std::move(handed)); });
}

HandOvers::~HandOvers() {
    queue_.handOversTo({});
}

void HandOvers::handOver(RelayEventQueue::HandedOver handed) {
    redirect::Flow flow = std::move(handed.flow);
    sessions_.onRelayed({redirect::FlowEventType::Update, flow}); // Established
    const redirect::Action* action = sessions_.registry().actionOn(flow.transport, flow.internal);
    const redirect::DataFilter* filter =
        action != nullptr ? filters_.find(action->protocolGuid) : nullptr;
    if (filter == nullptr) {
        relay::resetOnClose(handed.client.get());
        relay::resetOnClose(handed.target.get());
        finish(flow, "no-data-filter");
        return;
    }
    auto sockets =
        std::make_shared<Sockets>(Sockets{std::move(handed.client), std::move(handed.target)});
    const std::uint64_t id = nextCall_++;
    try {
        auto proxy = sdbus::createProxy(connection_, filter->owner.name, filter->handler);
        proxy->callMethodAsync("HandleConnection")
            .onInterface("org.fwxd.DataFilter1")
            .withArguments(sdbus::UnixFd(sockets->client.get()),
                           sdbus::UnixFd(sockets->target.get()), infoOf(*action, flow))
            .uponReplyInvoke([this, id, flow, sockets](const sdbus::Error* error) {
                if (error != nullptr) {
                    log::warning("data filter: HandleConnection failed: {}",
                                 log::untrusted(error->getName() + ": " + error->getMessage()));
                    sockets->shutDown();
                }
                finish(flow, error != nullptr ? "data-filter-failed" : "handed-over");
                loop_.defer([this, id] { calls_.erase(id); });
            });
        calls_.emplace(id, std::move(proxy));
    } catch (const sdbus::Error& e) {
        log::warning("data filter: cannot call its handler: {}", e.getMessage());
        sockets->shutDown();
        finish(flow, "data-filter-failed");
    }
}

void HandOvers::finish(const redirect::Flow& flow, const char* reason) {
    redirect::Flow ended = flow;
    ended.endReason = reason;
    sessions_.onRelayed({redirect::FlowEventType::Destroy, std::move(ended)});
}

} // namespace fwx::daemon
