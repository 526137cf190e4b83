#include "redirect/Service.hpp"

#include "error/Error.hpp"
#include "fakes/FakeFlowTable.hpp"
#include "fakes/FakeHost.hpp"
#include "fakes/FakeNftBackend.hpp"
#include "fakes/FakeRelayBackend.hpp"

#include <memory>

#include <gtest/gtest.h>

namespace fwx::redirect {
namespace {

using namespace std::chrono_literals;

class ServiceTest : public ::testing::Test {
protected:
    const net::Address internal = net::Address::parse("203.0.113.1");

    ServiceTest() {
        host.addLocalAddress(internal);
        host.addLocalAddress(net::Address::parse("198.51.100.100"));
        portFlows.reset({}); // as the daemon's first dump does
        service = std::make_unique<Service>(RequestValidator(limits(), host), ports, nft, relays,
                                            flows, portFlows);
    }

    ValidatorLimits limits() const {
        ValidatorLimits limits;
        limits.internalAddresses = {internal};
        return limits;
    }

    static Request threeTargets() {
        Request request;
        for (const char* target : {"198.51.100.2:80", "198.51.100.3:81", "198.51.100.4:82"}) {
            request.targets.push_back(net::Endpoint::parse(target));
        }
        return request;
    }

    fakes::FakeHost host;
    fakes::FakeNftBackend nft;
    fakes::FakeRelayBackend relays;
    fakes::FakeFlowTable flows;
    PortAllocator ports{PortRange(41000, 41009), host, [](std::uint32_t) {
                            return 0U;
                        }};
    PortFlows portFlows{PortRange(41000, 41009), 1024};
    std::unique_ptr<Service> service;
};

TEST_F(ServiceTest, OpenProgramsOneGroupOfConsecutivePortsInTargetOrder) {
    Request request = threeTargets();
    request.proxyExternalAddress = net::Address::parse("198.51.100.100");
    request.flags = flags::AllowMultiple | flags::Timeout;
    request.timeout = 1500us;
    const RedirectGroup group = service->open(request);

    ASSERT_EQ(nft.added().size(), 1U);
    EXPECT_EQ(nft.added()[0].id, group.id);
    ASSERT_EQ(group.redirects.size(), 3U);
    for (std::size_t i = 0; i < 3; ++i) {
        const Redirect& r = group.redirects[i];
        EXPECT_EQ(r.internal, (net::Endpoint{internal, static_cast<std::uint16_t>(41000 + i)}));
        EXPECT_EQ(r.target, request.targets[i]);
        EXPECT_EQ(r.snatSource, request.proxyExternalAddress);
        EXPECT_FALSE(r.singleUse);
        EXPECT_EQ(r.permissionTimeout, 2ms); // rounded up
        EXPECT_TRUE(r.allowedSource.isAny());
    }
    // No conntrack entry is known on the new ports: nothing to delete, no dump.
    EXPECT_TRUE(flows.removed().empty());
    EXPECT_TRUE(flows.cleaned().empty());
    EXPECT_EQ(ports.reservedCount(internal, net::Transport::Tcp), 3U);
}

TEST_F(ServiceTest, InvalidRequestTouchesNothing) {
    Request request = threeTargets();
    request.flags = 0x80;
    EXPECT_THROW(service->open(request), Error);
    EXPECT_EQ(nft.calls(), 0U);
    EXPECT_EQ(ports.reservedCount(internal, net::Transport::Tcp), 0U);
}

TEST_F(ServiceTest, KernelRefusalReleasesThePorts) {
    nft.failNextAdd(Error(ErrorCode::Failed, "nft: adding", EEXIST));
    EXPECT_THROW(service->open(threeTargets()), Error);
    EXPECT_EQ(ports.reservedCount(internal, net::Transport::Tcp), 0U);
    EXPECT_EQ(service->retiring(), 0U);
}

// A connection on a new port whose replies do not come from its new target predates the
// redirect; one that does (an earlier redirect to the same target) can stay.
TEST_F(ServiceTest, ConntrackEntriesOnTheNewPortsThatBypassThemAreDeleted) {
    Flow stale;
    stale.id = 7;
    stale.transport = net::Transport::Tcp;
    stale.client = net::Endpoint::parse("192.0.2.2:5000");
    stale.internal = net::Endpoint{internal, 41001};
    stale.target = net::Endpoint::parse("198.51.100.9:9"); // another target
    Flow following = stale;
    following.id = 8;
    following.client.port = 5001;
    following.target = net::Endpoint::parse("198.51.100.3:81");
    Flow elsewhere = stale;
    elsewhere.id = 9;
    elsewhere.internal.port = 41005; // not one of the new ports
    portFlows.seen(stale);
    portFlows.seen(following);
    portFlows.seen(elsewhere);

    service->open(threeTargets());
    ASSERT_EQ(flows.removed().size(), 1U);
    EXPECT_EQ(flows.removed()[0].id, 7U);
    EXPECT_TRUE(flows.cleaned().empty());
}

// Until the daemon's first dump (or after its index overflowed) only a dump can tell.
TEST_F(ServiceTest, WithoutAnIndexOfTheirEntriesTheNewPortsAreCleanedByDump) {
    PortFlows unknown(PortRange(41000, 41009), 1024);
    Service slow(RequestValidator(limits(), host), ports, nft, relays, flows, unknown);
    const RedirectGroup group = slow.open(threeTargets());
    ASSERT_EQ(flows.cleaned().size(), 1U);
    EXPECT_EQ(flows.cleaned()[0].id, group.id);
}

TEST_F(ServiceTest, FlowCleanupFailureUndoesTheGroup) {
    Flow stale;
    stale.client = net::Endpoint::parse("192.0.2.2:5000");
    stale.internal = net::Endpoint{internal, 41000};
    portFlows.seen(stale);
    flows.failNextCall(Error(ErrorCode::Failed, "conntrack: delete", EPERM));
    EXPECT_THROW(service->open(threeTargets()), Error);
    EXPECT_TRUE(nft.active().empty());
    EXPECT_EQ(nft.removed().size(), 1U);
    EXPECT_EQ(ports.reservedCount(internal, net::Transport::Tcp), 0U);
}

TEST_F(ServiceTest, CloseRemovesOneRedirectAndFreesItsPort) {
    const RedirectGroup group = service->open(threeTargets());
    service->close(group.redirects[1]);
    EXPECT_EQ(nft.active().at(group.id).redirects.size(), 2U);
    EXPECT_FALSE(ports.isReserved(internal, net::Transport::Tcp, 41001));
    EXPECT_EQ(ports.reservedCount(internal, net::Transport::Tcp), 2U);
}

TEST_F(ServiceTest, RefusedCloseKeepsTheRedirectAndItsPort) {
    const RedirectGroup group = service->open(threeTargets());
    nft.failNextRemove(Error(ErrorCode::Failed, "nft: removing", ENOMEM));
    EXPECT_THROW(service->close(group.redirects[0]), Error);
    EXPECT_EQ(nft.active().at(group.id).redirects.size(), 3U);
    EXPECT_EQ(ports.reservedCount(internal, net::Transport::Tcp), 3U);
    EXPECT_EQ(service->retiring(), 0U); // the caller keeps it
}

TEST_F(ServiceTest, RetireRemovesEverythingAndFreesThePorts) {
    const RedirectGroup one = service->open(threeTargets());
    const RedirectGroup two = service->open(threeTargets());
    std::vector<Redirect> all = one.redirects;
    all.insert(all.end(), two.redirects.begin(), two.redirects.end());
    EXPECT_FALSE(service->retire(all));
    EXPECT_TRUE(nft.active().empty());
    EXPECT_EQ(ports.reservedCount(internal, net::Transport::Tcp), 0U);
    EXPECT_EQ(service->retiring(), 0U);
}

// The daemon's view and the kernel's stay equal: a refused removal keeps its ports
// reserved and is retried until it goes.
TEST_F(ServiceTest, RefusedRetirementIsKeptAndRetried) {
    const RedirectGroup group = service->open(threeTargets());
    nft.failNextRemove(Error(ErrorCode::Failed, "nft: removing", ENOMEM));
    const auto refusal = service->retire(group.redirects);
    ASSERT_TRUE(refusal);
    EXPECT_EQ(refusal->errnum(), ENOMEM);
    EXPECT_EQ(service->retiring(), 3U);
    EXPECT_EQ(ports.reservedCount(internal, net::Transport::Tcp), 3U);
    // A new request cannot get the ports the kernel still redirects.
    EXPECT_EQ(service->open(threeTargets()).redirects.front().internal.port, 41003);

    nft.failNextRemove(Error(ErrorCode::Failed, "nft: removing", ENOMEM));
    EXPECT_TRUE(service->retryRetired());
    EXPECT_EQ(service->retiring(), 3U);
    EXPECT_FALSE(service->retryRetired());
    EXPECT_EQ(service->retiring(), 0U);
    EXPECT_EQ(nft.active().size(), 1U);
    EXPECT_EQ(ports.reservedCount(internal, net::Transport::Tcp), 3U); // the second group's
}

TEST_F(ServiceTest, ExhaustedRangeIsReported) {
    Request many;
    for (int i = 0; i < 11; ++i) {
        many.targets.push_back(net::Endpoint::parse("198.51.100.2:80"));
    }
    try {
        service->open(many);
        FAIL() << "11 ports from a range of 10";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::InvalidArgument) << e.what();
    }
    service->open(threeTargets());
    service->open(threeTargets());
    service->open(threeTargets());
    try {
        service->open(threeTargets());
        FAIL() << "a fourth run of 3 from a range of 10";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::PortsExhausted) << e.what();
    }
}

} // namespace
} // namespace fwx::redirect
