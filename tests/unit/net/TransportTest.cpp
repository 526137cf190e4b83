#include "net/Transport.hpp"

#include "net/InvalidArgument.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>

namespace fwx::net {
namespace {

using test::invalidArgumentMessage;

TEST(TransportTest, FormatsLowerCase) {
    EXPECT_EQ(toString(Transport::Tcp), "tcp");
    EXPECT_EQ(toString(Transport::Udp), "udp");
}

TEST(TransportTest, ParsesAnyCase) {
    for (const char* text : {"tcp", "TCP", "Tcp", "tCp"}) {
        EXPECT_EQ(parseTransport(text), Transport::Tcp) << text;
    }
    for (const char* text : {"udp", "UDP", "uDp"}) {
        EXPECT_EQ(parseTransport(text), Transport::Udp) << text;
    }
}

TEST(TransportTest, RoundTrips) {
    for (const Transport transport : {Transport::Tcp, Transport::Udp}) {
        EXPECT_EQ(parseTransport(toString(transport)), transport);
    }
}

TEST(TransportTest, MapsToIpProtocol) {
    EXPECT_EQ(ipProtocol(Transport::Tcp), IPPROTO_TCP);
    EXPECT_EQ(ipProtocol(Transport::Udp), IPPROTO_UDP);
}

TEST(TransportTest, RejectsOthers) {
    EXPECT_EQ(invalidArgumentMessage([] { parseTransport("sctp"); }),
              "\"sctp\" is not a transport (expected \"tcp\" or \"udp\")");
    EXPECT_EQ(invalidArgumentMessage([] { parseTransport(""); }),
              "\"\" is empty: a transport is needed (\"tcp\" or \"udp\")");
    for (const char* text : {" tcp", "tcp ", "tc", "tcpp", "6", "udp\n", "t\xc3\xa7p"}) {
        EXPECT_NE(invalidArgumentMessage([&] { parseTransport(text); }), "") << text;
    }
}

} // namespace
} // namespace fwx::net
