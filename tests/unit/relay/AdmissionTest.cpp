#include "relay/Admission.hpp"

#include <gtest/gtest.h>

namespace fwx::relay {
namespace {

using Verdict = Admission::Verdict;

net::Address client() {
    return net::Address::parse("192.0.2.10");
}

net::Address other() {
    return net::Address::parse("192.0.2.20");
}

TEST(AdmissionTest, SingleUseAdmitsTheFirstClientOnly) {
    Admission admission(false, std::nullopt);
    EXPECT_EQ(admission.admit(client()), Verdict::Admitted);
    EXPECT_EQ(admission.admit(client()), Verdict::Spent);
    EXPECT_EQ(admission.admit(other()), Verdict::Spent);
    EXPECT_EQ(admission.admitted(), 1U);
    EXPECT_EQ(admission.refused(), 2U);
}

TEST(AdmissionTest, AllowMultipleAdmitsEveryone) {
    Admission admission(true, std::nullopt);
    EXPECT_EQ(admission.admit(client()), Verdict::Admitted);
    EXPECT_EQ(admission.admit(other()), Verdict::Admitted);
    EXPECT_EQ(admission.admitted(), 2U);
}

TEST(AdmissionTest, OutsideTheAllowedSourceIsRefusedWithoutSpendingIt) {
    Admission admission(false, net::Prefix::parse("192.0.2.8/29"));
    EXPECT_EQ(admission.admit(other()), Verdict::NotAllowed);
    EXPECT_EQ(admission.admit(net::Address::parse("2001:db8::1")), Verdict::NotAllowed);
    EXPECT_EQ(admission.admit(client()), Verdict::Admitted);
}

TEST(AdmissionTest, StoppedAdmitsNobody) {
    Admission admission(true, std::nullopt);
    admission.stop();
    EXPECT_TRUE(admission.stopped());
    EXPECT_EQ(admission.admit(client()), Verdict::Stopped);
}

} // namespace
} // namespace fwx::relay
