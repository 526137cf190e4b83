// Running a test once per address family:
//     INSTANTIATE_TEST_SUITE_P(Families, MyTest, bothFamilies(), FamilyParamName());
// gives MyTest.Case/IPv4 and MyTest.Case/IPv6.
#pragma once

#include "lab/SocketAddress.hpp"

#include <ostream>
#include <string>

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

} // namespace fwx::test

namespace fwx::net {

// Found by gtest through ADL: "IPv6" instead of "1-byte object <01>" in failure messages.
inline void PrintTo(Family family, std::ostream* out) {
    *out << fwx::test::familyName(family);
}

} // namespace fwx::net
