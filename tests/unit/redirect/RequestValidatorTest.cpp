#include "redirect/RequestValidator.hpp"

#include "error/Error.hpp"
#include "fakes/FakeHost.hpp"
#include "net/Address.hpp"
#include "net/Endpoint.hpp"
#include "net/Prefix.hpp"
#include "redirect/Redirect.hpp"
#include "redirect/Request.hpp"
#include "redirect/ValidRequest.hpp"
#include "redirect/ValidatorLimits.hpp"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fwx::redirect {
namespace {

using namespace std::chrono_literals;
using ::testing::AllOf;
using ::testing::HasSubstr;

net::Address addr(const char* text) {
    return net::Address::parse(text);
}

net::Endpoint endpoint(const char* text) {
    return net::Endpoint::parse(text, /*allowZeroPort=*/true);
}

class RequestValidatorTest : public ::testing::Test {
protected:
    RequestValidatorTest() {
        limits_.internalAddresses = {addr("10.0.0.1"), addr("2001:db8::1"), addr("10.0.0.2")};
        limits_.maxPortsPerRequest = 4;
        limits_.defaultTimeout = 30s;
        limits_.maxTimeout = 1h;
        for (const char* local :
             {"10.0.0.1", "10.0.0.2", "2001:db8::1", "198.51.100.1", "2001:db8:ffff::1"}) {
            host_.addLocalAddress(addr(local));
        }
        request_.targets = {endpoint("192.0.2.10:21"), endpoint("192.0.2.11:2121")};
    }

    ValidRequest validate() const { return RequestValidator(limits_, host_).validate(request_); }

    // The error validate() throws; fails the test if it throws none or another code.
    Error errorOf(ErrorCode expected = ErrorCode::InvalidArgument) const {
        try {
            validate();
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), expected) << e.what();
            return e;
        }
        ADD_FAILURE() << "the request was accepted";
        return Error(ErrorCode::Failed, "accepted");
    }
    std::string message() const { return errorOf().what(); }

    ValidatorLimits limits_;
    mutable fakes::FakeHost host_;
    Request request_;
};

// Happy paths

TEST_F(RequestValidatorTest, ResolvesDefaults) {
    const ValidRequest v = validate();
    EXPECT_EQ(v.family, net::Family::V4);
    EXPECT_EQ(v.internalAddress, addr("10.0.0.1")); // the first configured IPv4 one
    EXPECT_EQ(v.targets, request_.targets);
    EXPECT_EQ(v.transport, net::Transport::Tcp);
    EXPECT_EQ(v.flags, 0U);
    EXPECT_TRUE(v.singleUse);
    EXPECT_FALSE(v.permissionTimeout);
    EXPECT_EQ(v.allowedSource, net::Prefix::any(net::Family::V4));
    EXPECT_FALSE(v.snatSource);
}

TEST_F(RequestValidatorTest, KeepsWhatTheRequestSays) {
    request_.internalAddress = addr("10.0.0.2");
    request_.proxyExternalAddress = addr("198.51.100.1");
    request_.transport = net::Transport::Udp;
    request_.flags = flags::AllowMultiple | flags::Timeout;
    request_.timeout = 1500us;
    request_.allowedSource = net::Prefix::parse("192.0.2.0/24");
    const ValidRequest v = validate();
    EXPECT_EQ(v.internalAddress, addr("10.0.0.2"));
    EXPECT_EQ(v.snatSource, addr("198.51.100.1"));
    EXPECT_EQ(v.transport, net::Transport::Udp);
    EXPECT_EQ(v.flags, flags::AllowMultiple | flags::Timeout);
    EXPECT_FALSE(v.singleUse);
    EXPECT_EQ(v.permissionTimeout, 2ms); // rounded up, never earlier than asked
    EXPECT_EQ(v.allowedSource, net::Prefix::parse("192.0.2.0/24"));
}

TEST_F(RequestValidatorTest, PicksTheFirstInternalAddressOfTheTargetsFamily) {
    request_.targets = {endpoint("[2001:db8:1::10]:5060")};
    const ValidRequest v = validate();
    EXPECT_EQ(v.family, net::Family::V6);
    EXPECT_EQ(v.internalAddress, addr("2001:db8::1"));
    EXPECT_EQ(v.allowedSource, net::Prefix::any(net::Family::V6));
}

TEST_F(RequestValidatorTest, TimeoutFlagAloneTakesTheDefault) {
    request_.flags = flags::Timeout;
    EXPECT_EQ(validate().permissionTimeout, 30s);
}

TEST_F(RequestValidatorTest, TimeoutAtTheMaximumIsAccepted) {
    request_.flags = flags::Timeout;
    request_.timeout = 1h;
    EXPECT_EQ(validate().permissionTimeout, 1h);
}

TEST_F(RequestValidatorTest, AcceptsTheMaximumNumberOfTargets) {
    request_.targets.assign(4, endpoint("192.0.2.10:21"));
    EXPECT_EQ(validate().targets.size(), 4U);
}

// connect_addresses

TEST_F(RequestValidatorTest, RejectsNoTargets) {
    request_.targets.clear();
    EXPECT_THAT(message(), HasSubstr("connect_addresses is empty"));
}

TEST_F(RequestValidatorTest, RejectsTooManyTargets) {
    request_.targets.assign(5, endpoint("192.0.2.10:21"));
    EXPECT_THAT(errorOf(ErrorCode::QuotaExceeded).what(),
                HasSubstr("connect_addresses has 5 targets; at most 4"));
}

TEST_F(RequestValidatorTest, RejectsMixedFamilies) {
    request_.targets.push_back(endpoint("[2001:db8::10]:21"));
    EXPECT_THAT(message(), HasSubstr("connect_addresses[0] is IPv4 but connect_addresses[2] "
                                     "is IPv6"));
}

TEST_F(RequestValidatorTest, RejectsTargetPortZero) {
    request_.targets[1] = endpoint("192.0.2.11:0");
    EXPECT_THAT(message(),
                HasSubstr("connect_addresses[1] (192.0.2.11:0): port 0 is not a valid target"));
}

TEST_F(RequestValidatorTest, RejectsUnspecifiedTarget) {
    request_.targets[0] = endpoint("0.0.0.0:21");
    EXPECT_THAT(message(), HasSubstr("connect_addresses[0] (0.0.0.0:21): the unspecified "
                                     "address"));
    request_.targets = {endpoint("[::]:21")};
    EXPECT_THAT(message(), HasSubstr("connect_addresses[0] ([::]:21): the unspecified address"));
}

// Nothing DNAT could send a client to: broadcast, loopback (a martian to routing),
// link-local (no scope), IPv4-mapped, and fwxd's own internal addresses (a loop).
TEST_F(RequestValidatorTest, RejectsTargetsThatAreNoHostToConnectTo) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"255.255.255.255:53", "the broadcast address is not a valid target"},
        {"127.0.0.1:80", "a loopback address is not a valid target"},
        {"[::1]:80", "a loopback address is not a valid target"},
        {"[fe80::1]:80", "a link-local address is not a valid target"},
        {"169.254.0.9:80", "a link-local address is not a valid target"},
        {"[::ffff:192.0.2.1]:80", "an IPv4-mapped IPv6 address is not a valid target"},
    };
    for (const auto& [target, why] : cases) {
        request_.targets = {endpoint(target.c_str())};
        std::string expected = "connect_addresses[0] (";
        expected += target;
        expected += "): ";
        expected += why;
        EXPECT_THAT(message(), HasSubstr(expected));
    }
    request_.targets = {endpoint("192.0.2.10:21"), endpoint("10.0.0.2:41000")};
    EXPECT_THAT(message(), HasSubstr("connect_addresses[1] (10.0.0.2:41000): 10.0.0.2 is an "
                                     "internal address of fwxd; a redirect to it would loop"));
}

TEST_F(RequestValidatorTest, RejectsMulticastTarget) {
    request_.targets[1] = endpoint("239.1.2.3:5004");
    EXPECT_THAT(message(), HasSubstr("connect_addresses[1] (239.1.2.3:5004): a multicast"));
    request_.targets = {endpoint("[ff02::1]:5004")};
    EXPECT_THAT(message(), HasSubstr("connect_addresses[0] ([ff02::1]:5004): a multicast"));
}

// flags

TEST_F(RequestValidatorTest, RejectsUnknownFlags) {
    request_.flags = flags::AllowMultiple | 0x10 | 0x80000000;
    EXPECT_THAT(message(), AllOf(HasSubstr("flags 0x80000011 has unknown bits 0x80000010"),
                                 HasSubstr("known: 0x1 ALLOW_MULTIPLE, 0x2 TIMEOUT, 0x4 "
                                           "NO_KERNEL_MODE")));
}

TEST_F(RequestValidatorTest, NoKernelModeMakesUserModeRedirects) {
    request_.flags = flags::NoKernelMode | flags::AllowMultiple;
    const ValidRequest v = validate();
    EXPECT_TRUE(v.userMode);
    EXPECT_FALSE(v.singleUse);
    request_.flags = 0;
    EXPECT_FALSE(validate().userMode);
}

TEST_F(RequestValidatorTest, NoKernelModeRequestsAreCheckedLikeTheOthers) {
    request_.flags = flags::NoKernelMode;
    request_.internalAddress = addr("10.9.9.9");
    EXPECT_THAT(message(), HasSubstr("internal_address 10.9.9.9"));
}

// internal_address

TEST_F(RequestValidatorTest, RejectsInternalAddressOfTheOtherFamily) {
    request_.internalAddress = addr("2001:db8::1");
    EXPECT_THAT(message(), HasSubstr("internal_address 2001:db8::1 is IPv6 but "
                                     "connect_addresses are IPv4"));
}

TEST_F(RequestValidatorTest, RejectsInternalAddressThatIsNotConfigured) {
    request_.internalAddress = addr("198.51.100.1"); // local, but not an internal address
    EXPECT_THAT(message(), HasSubstr("internal_address 198.51.100.1 is not a configured "
                                     "internal address (configured: 10.0.0.1, 2001:db8::1, "
                                     "10.0.0.2)"));
}

TEST_F(RequestValidatorTest, RejectsInternalAddressThatIsNotLocal) {
    host_.removeLocalAddress(addr("10.0.0.2"));
    request_.internalAddress = addr("10.0.0.2");
    EXPECT_THAT(message(), HasSubstr("internal_address 10.0.0.2 is not an address of this host"));
}

TEST_F(RequestValidatorTest, RejectsDefaultInternalAddressThatIsNotLocal) {
    host_.removeLocalAddress(addr("10.0.0.1"));
    EXPECT_THAT(message(), HasSubstr("internal_address is empty and the configured IPv4 "
                                     "internal address 10.0.0.1 is not an address of this "
                                     "host"));
}

TEST_F(RequestValidatorTest, RejectsMissingInternalAddressWhenNoneOfTheFamilyIsConfigured) {
    limits_.internalAddresses = {addr("2001:db8::1")};
    EXPECT_THAT(message(), HasSubstr("internal_address is empty and no IPv4 internal address "
                                     "is configured (configured: 2001:db8::1)"));
    limits_.internalAddresses.clear();
    EXPECT_THAT(message(), HasSubstr("(configured: none)"));
}

// proxy_external_address

TEST_F(RequestValidatorTest, RejectsProxyExternalAddressOfTheOtherFamily) {
    request_.proxyExternalAddress = addr("2001:db8:ffff::1");
    EXPECT_THAT(message(), HasSubstr("proxy_external_address 2001:db8:ffff::1 is IPv6 but "
                                     "connect_addresses are IPv4"));
}

TEST_F(RequestValidatorTest, RejectsProxyExternalAddressThatIsNotLocal) {
    request_.proxyExternalAddress = addr("198.51.100.99");
    EXPECT_THAT(message(),
                HasSubstr("proxy_external_address 198.51.100.99 is not an address of this host"));
}

// Timeout

TEST_F(RequestValidatorTest, RejectsTimeoutWithoutTheFlag) {
    request_.flags = flags::AllowMultiple;
    request_.timeout = 10s;
    EXPECT_THAT(message(), HasSubstr("option Timeout is set but flags 0x1 lack TIMEOUT (0x2)"));
}

TEST_F(RequestValidatorTest, RejectsZeroTimeout) {
    request_.flags = flags::Timeout;
    request_.timeout = 0us;
    EXPECT_THAT(message(), HasSubstr("option Timeout 0 µs is not allowed: it must be positive"));
}

TEST_F(RequestValidatorTest, RejectsNegativeTimeout) {
    request_.flags = flags::Timeout;
    request_.timeout = -1us;
    EXPECT_THAT(message(), HasSubstr("option Timeout -1 µs is not allowed"));
}

TEST_F(RequestValidatorTest, RejectsTimeoutAboveTheMaximum) {
    request_.flags = flags::Timeout;
    request_.timeout = 1h + 1us;
    EXPECT_THAT(message(), HasSubstr("option Timeout 3600000001 µs is above the maximum of "
                                     "3600000000 µs"));
}

// AllowedSource

TEST_F(RequestValidatorTest, RejectsAllowedSourceOfTheOtherFamily) {
    request_.allowedSource = net::Prefix::parse("2001:db8::/32");
    EXPECT_THAT(message(), HasSubstr("option AllowedSource 2001:db8::/32 is IPv6 but "
                                     "connect_addresses are IPv4"));
}

// The host

TEST_F(RequestValidatorTest, HostFailureIsPassedOn) {
    host_.failNextCall(Error(ErrorCode::Failed, "RTM_GETADDR", 105));
    EXPECT_THAT(errorOf(ErrorCode::Failed).what(), HasSubstr("RTM_GETADDR"));
}

} // namespace
} // namespace fwx::redirect
