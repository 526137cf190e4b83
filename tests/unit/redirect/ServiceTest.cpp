#include "redirect/Service.hpp"

#include "error/Error.hpp"
#include "fakes/FakeFlowTable.hpp"
#include "fakes/FakeHost.hpp"
#include "fakes/FakeNftBackend.hpp"

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
        ValidatorLimits limits;
        limits.internalAddresses = {internal};
        service = std::make_unique<Service>(RequestValidator(limits, host), ports, nft, flows);
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
    fakes::FakeFlowTable flows;
    PortAllocator ports{PortRange(41000, 41009), host, [](std::uint32_t) {
                            return 0U;
                        }};
    std::unique_ptr<Service> service;
};

TEST_F(ServiceTest, OpenProgramsOneGroupOfConsecutivePortsInTargetOrder) {
    Request request = threeTargets();
    request.proxyExternalAddress = net::Address::parse("198.51.100.100");
    request.flags = flags::AllowMultiple | flags::Timeout;
    request.timeout = 1500us;
    const RedirectGroup& group = service->open(request);

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
    EXPECT_EQ(flows.cleaned().size(), 1U);
    EXPECT_EQ(ports.reservedCount(internal, net::Transport::Tcp), 3U);
    EXPECT_EQ(service->activeRedirects(), 3U);
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
    EXPECT_TRUE(service->groups().empty());
}

TEST_F(ServiceTest, FlowCleanupFailureUndoesTheGroup) {
    flows.failNextCall(Error(ErrorCode::Failed, "conntrack: dump", ENOBUFS));
    EXPECT_THROW(service->open(threeTargets()), Error);
    EXPECT_TRUE(nft.active().empty());
    EXPECT_EQ(nft.removed().size(), 1U);
    EXPECT_EQ(ports.reservedCount(internal, net::Transport::Tcp), 0U);
}

TEST_F(ServiceTest, CloseRemovesTheGroupAndFreesItsPorts) {
    const GroupId id = service->open(threeTargets()).id;
    service->close(id);
    EXPECT_TRUE(nft.active().empty());
    EXPECT_EQ(ports.reservedCount(internal, net::Transport::Tcp), 0U);
    EXPECT_EQ(service->find(id), nullptr);
    EXPECT_THROW(service->close(id), Error);
}

TEST_F(ServiceTest, FailedCloseKeepsTheGroup) {
    const GroupId id = service->open(threeTargets()).id;
    nft.failNextRemove(Error(ErrorCode::Failed, "nft: removing", ENOMEM));
    EXPECT_THROW(service->close(id), Error);
    EXPECT_NE(service->find(id), nullptr);
    EXPECT_EQ(ports.reservedCount(internal, net::Transport::Tcp), 3U);
}

TEST_F(ServiceTest, DestructionRemovesEveryGroup) {
    service->open(threeTargets());
    service->open(threeTargets());
    ASSERT_EQ(nft.active().size(), 2U);
    service.reset();
    EXPECT_TRUE(nft.active().empty());
    EXPECT_EQ(ports.reservedCount(internal, net::Transport::Tcp), 0U);
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
