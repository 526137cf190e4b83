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

// The contract spells them "tcp" and "udp"; anything else is refused, with a hint when
// only the case is wrong.
TEST(TransportTest, ParsesTheLowerCaseSpellingOnly) {
    EXPECT_EQ(parseTransport("tcp"), Transport::Tcp);
    EXPECT_EQ(parseTransport("udp"), Transport::Udp);
    EXPECT_EQ(invalidArgumentMessage([] { parseTransport("TCP"); }),
              "\"TCP\" is not a transport: write it in lower case, \"tcp\"");
    EXPECT_EQ(invalidArgumentMessage([] { parseTransport("uDp"); }),
              "\"uDp\" is not a transport: write it in lower case, \"udp\"");
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
