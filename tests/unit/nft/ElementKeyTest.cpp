#include "nft/ElementKey.hpp"

#include "net/Address.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>

namespace fwx::nft {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(ElementKey, PadsEveryFieldToARegister) {
    const Bytes key = ElementKey()
                          .address(net::Address::parse("203.0.113.1"))
                          .protocol(IPPROTO_UDP)
                          .port(41000)
                          .bytes();
    EXPECT_EQ(key, (Bytes{203, 0, 113, 1, IPPROTO_UDP, 0, 0, 0, 0xa0, 0x28, 0, 0}));
}

TEST(ElementKey, Ipv6AddressTakesFourRegisters) {
    const Bytes key = ElementKey().address(net::Address::parse("2001:db8::1")).port(8080).bytes();
    ASSERT_EQ(key.size(), 20U);
    EXPECT_EQ(key[0], 0x20);
    EXPECT_EQ(key[15], 0x01);
    EXPECT_EQ((Bytes{key.begin() + 16, key.end()}), (Bytes{0x1f, 0x90, 0, 0}));
}

} // namespace
} // namespace fwx::nft
