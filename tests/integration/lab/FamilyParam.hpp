// Running a test once per address family:
//     INSTANTIATE_TEST_SUITE_P(Families, MyTest, bothFamilies(), FamilyParamName());
// gives MyTest.Case/IPv4 and MyTest.Case/IPv6; once per family and transport:
//     INSTANTIATE_TEST_SUITE_P(All, MyTest, familiesAndTransports(), FamilyTransportName());
// gives MyTest.Case/IPv4_tcp ... MyTest.Case/IPv6_udp.
#pragma once

#include "lab/SocketAddress.hpp"
#include "net/Transport.hpp"

#include <ostream>
#include <string>
#include <tuple>

#include <gtest/gtest.h>

namespace fwx::test {

inline auto bothFamilies() {
    return ::testing::Values(Family::V4, Family::V6);
}

struct FamilyParamName {
    std::string operator()(const ::testing::TestParamInfo<Family>& param) const {
        return std::string(familyName(param.param));
    }
};

using FamilyTransport = std::tuple<Family, net::Transport>;

inline auto familiesAndTransports() {
    return ::testing::Combine(bothFamilies(),
                              ::testing::Values(net::Transport::Tcp, net::Transport::Udp));
}

struct FamilyTransportName {
    std::string operator()(const ::testing::TestParamInfo<FamilyTransport>& info) const {
        return std::string(familyName(std::get<0>(info.param))) + "_" +
               std::string(net::toString(std::get<1>(info.param)));
    }
};

} // namespace fwx::test

namespace fwx::net {

// Found by gtest through ADL: "IPv6" instead of "1-byte object <01>" in failure messages.
inline void PrintTo(Family family, std::ostream* out) {
    *out << fwx::test::familyName(family);
}

} // namespace fwx::net
