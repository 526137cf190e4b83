// Element lists across the 64 KiB limit of their nest: parsed back off the wire, every
// element arrives in order with everything it carried, no list overflows its 16-bit
// length, every message stays inside its buffer, and the kernel's pointer at a refused
// element (its offset) leads to that element's label.
#include "nft/ElementMessages.hpp"

#include "WireMessages.hpp"
#include "nft/ElementKey.hpp"
#include "nft/HelperObject.hpp"
#include "nft/Nftnl.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <netinet/in.h>

namespace fwx::nft {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Content = ElementMessages::Content;

enum class Shape : std::uint8_t {
    Ipv4Port,           // once_v4 and the like: a 12-byte key
    Ipv6MapLongComment, // dnat_v6: 24-byte key, 20-byte value, the longest comment
    Ipv6Interval,       // source_v6: key and key end of 40 bytes each
    ObjectMap,          // once_limits_v6 (and a timeout): key and objref
};

Bytes counting(std::size_t length, std::size_t i) {
    Bytes bytes(length);
    for (std::size_t b = 0; b < length; ++b) {
        bytes[b] = static_cast<std::uint8_t>((i >> (8 * (b % 4))) + b);
    }
    return bytes;
}

std::vector<SetElement> elementsOf(Shape shape, std::size_t count) {
    std::vector<SetElement> elements(count);
    for (std::size_t i = 0; i < count; ++i) {
        SetElement& e = elements[i];
        e.label = "element " + std::to_string(i);
        switch (shape) {
        case Shape::Ipv4Port:
            e.key = counting(12, i);
            e.comment = "fwxd group 1 " + std::to_string(i);
            break;
        case Shape::Ipv6MapLongComment:
            e.key = counting(24, i);
            e.data = counting(20, i + 1);
            e.comment = std::string(200, 'c') + std::to_string(i); // cut at 127
            break;
        case Shape::Ipv6Interval:
            e.key = counting(40, i);
            e.keyEnd = counting(40, i + 7);
            e.comment = "interval " + std::to_string(i);
            break;
        case Shape::ObjectMap:
            e.key = counting(24, i);
            e.objref = "once-2001:db8:1:ffff:ffff:ffff:ffff:ffff-udp-" + std::to_string(i);
            e.timeoutMs = 86400000 + i;
            e.comment = "single use " + std::to_string(i);
            break;
        }
    }
    return elements;
}

void expectArrived(const std::vector<SetElement>& sent, const std::vector<test::WireElement>& got,
                   Content content) {
    ASSERT_EQ(got.size(), sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
        ASSERT_EQ(got[i].key, sent[i].key) << i;
        ASSERT_EQ(got[i].keyEnd, sent[i].keyEnd) << i;
        const bool full = content == Content::Full;
        ASSERT_EQ(got[i].data, full ? sent[i].data : Bytes{}) << i;
        ASSERT_EQ(got[i].objref, full ? sent[i].objref : std::string{}) << i;
        ASSERT_EQ(got[i].timeoutMs, full ? sent[i].timeoutMs : std::nullopt) << i;
        const std::string comment = full ? sent[i].comment.substr(0, 127) : std::string{};
        ASSERT_EQ(got[i].comment, comment) << i;
    }
}

using Param = std::tuple<Shape, std::size_t, Content>;

class ElementLists : public ::testing::TestWithParam<Param> {};

TEST_P(ElementLists, EveryElementArrivesInOrderInMessagesThatFitTheirNest) {
    const auto [shape, count, content] = GetParam();
    const std::vector<SetElement> elements = elementsOf(shape, count);
    Batch batch(100);
    const std::uint16_t type = content == Content::Key ? NFT_MSG_DELSETELEM : NFT_MSG_NEWSETELEM;
    ElementMessages(type, NLM_F_CREATE, content, "adding")
        .append(batch, "fwxd", "some_set", elements, "test");
    const test::Wire wire = test::parseWire(batch);
    expectArrived(elements, wire.elementsOf("some_set", type), content);

    std::size_t totalBytes = 0;
    std::size_t elementIndex = 0;
    for (const auto& message : wire.messages) {
        EXPECT_LE(message.elementListBytes, ElementMessages::MaxListBytes);
        EXPECT_EQ(message.flags, NLM_F_REQUEST | NLM_F_CREATE);
        for (std::size_t i = 0; i < message.elementOffsets.size(); ++i, ++elementIndex) {
            const std::uint32_t end = i + 1 < message.elementOffsets.size()
                                          ? message.elementOffsets[i + 1]
                                          : message.length;
            ASSERT_EQ(end - message.elementOffsets[i],
                      ElementMessages::encodedSize(elements[elementIndex], content))
                << "element " << elementIndex;
        }
        totalBytes += message.elementListBytes;
    }
    // As few messages as fit: each one but the last is too full for the next element.
    const std::size_t minimum =
        (totalBytes + ElementMessages::MaxListBytes - 1) / ElementMessages::MaxListBytes;
    EXPECT_LE(wire.messages.size(), minimum + 1);
    EXPECT_EQ(batch.messageCount(), wire.messages.size());
}

std::string paramName(const ::testing::TestParamInfo<Param>& info) {
    const auto [shape, count, content] = info.param;
    const char* shapes[] = {"Ipv4Port", "Ipv6MapLongComment", "Ipv6Interval", "ObjectMap"};
    const char* contents[] = {"Full", "Key"};
    return std::string(shapes[static_cast<int>(shape)]) + "_" + std::to_string(count) + "_" +
           contents[static_cast<int>(content)];
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, ElementLists,
    ::testing::Combine(::testing::Values(Shape::Ipv4Port, Shape::Ipv6MapLongComment,
                                         Shape::Ipv6Interval, Shape::ObjectMap),
                       ::testing::Values(1, 2, 300, 583, 584, 585, 1024, 5000),
                       ::testing::Values(Content::Full, Content::Key)),
    paramName);

// The kernel names a refused element by its offset in the message (NLMSGERR_ATTR_OFFS);
// the message's parts turn it back into the element.
TEST(ElementMessages, PartsStartWhereTheElementsStart) {
    const std::vector<SetElement> elements = elementsOf(Shape::ObjectMap, 3000);
    Batch batch(1);
    ElementMessages(NFT_MSG_NEWSETELEM, NLM_F_CREATE, Content::Full, "adding")
        .append(batch, "fwxd", "once_v6", elements, "test");
    const test::Wire wire = test::parseWire(batch);
    ASSERT_GT(wire.messages.size(), 1U);
    std::size_t index = 0;
    for (std::size_t m = 0; m < wire.messages.size(); ++m) {
        const auto parts = batch.parts(m);
        ASSERT_EQ(parts.size(), wire.messages[m].elementOffsets.size());
        for (std::size_t i = 0; i < parts.size(); ++i, ++index) {
            EXPECT_EQ(parts[i].offset, wire.messages[m].elementOffsets[i]);
            EXPECT_EQ(parts[i].label, elements[index].label);
        }
    }
    EXPECT_EQ(index, elements.size());
}

TEST(ElementMessages, OneElementTooLargeForTheKernelIsRefusedBeforeSending) {
    SetElement e;
    e.key = Bytes(65, 1); // NFT_DATA_VALUE_MAXLEN is 64
    Batch batch(1);
    EXPECT_THROW(ElementMessages(NFT_MSG_NEWSETELEM, 0, Content::Full, "adding")
                     .append(batch, "fwxd", "s", std::vector<SetElement>{e}, "test"),
                 std::invalid_argument);
    EXPECT_TRUE(batch.empty());
}

// RegisterProtocol with 1000 ports and a helper kept 36 of them (issue 9): the helpers
// maps' elements are object map elements with the assignment's name, one per server and
// port, each the interval of its server's prefix, in the map of the server's family.
TEST(HelperObject, ThousandPortsArriveWholeForEveryServer) {
    redirect::HelperAssignment assignment{"helper-6f1c7c2e-5b1a-4d58-9a3e-2f0e4b8c9d10",
                                          "sip",
                                          net::Transport::Udp,
                                          {},
                                          {net::Prefix::parse("198.51.100.0/24"),
                                           net::Prefix::parse("2001:db8:5::/64"),
                                           net::Prefix::parse("192.0.2.7")}};
    for (std::uint16_t port = 5000; port < 6000; ++port) {
        assignment.ports.push_back(port);
    }
    const auto keyOf = [](const char* address, std::uint16_t port) {
        return ElementKey()
            .address(net::Address::parse(address))
            .protocol(IPPROTO_UDP)
            .port(port)
            .bytes();
    };
    for (const bool adding : {true, false}) {
        Batch batch(1);
        const HelperObject helper(assignment, "fwxd");
        adding ? helper.addTo(batch) : helper.removeFrom(batch);
        const test::Wire wire = test::parseWire(batch);
        const auto type = adding ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM;
        const auto v4 = wire.elementsOf("helpers_v4", type);
        const auto v6 = wire.elementsOf("helpers_v6", type);
        ASSERT_EQ(v4.size(), 2 * assignment.ports.size());
        ASSERT_EQ(v6.size(), assignment.ports.size());
        for (std::size_t i = 0; i < assignment.ports.size(); ++i) {
            const auto port = static_cast<std::uint16_t>(5000 + i);
            ASSERT_EQ(v4[i].key, keyOf("198.51.100.0", port)) << i;
            ASSERT_EQ(v4[i].keyEnd, keyOf("198.51.100.255", port)) << i;
            ASSERT_EQ(v4[1000 + i].key, keyOf("192.0.2.7", port)) << i;
            ASSERT_EQ(v4[1000 + i].keyEnd, keyOf("192.0.2.7", port)) << i;
            ASSERT_EQ(v6[i].key, keyOf("2001:db8:5::", port)) << i;
            ASSERT_EQ(v6[i].keyEnd, keyOf("2001:db8:5::ffff:ffff:ffff:ffff", port)) << i;
            ASSERT_EQ(v4[i].objref, adding ? assignment.name : std::string{}) << i;
        }
        // The object first when adding, last when removing: the maps refer to it.
        const auto& objectMessage = adding ? wire.messages.front() : wire.messages.back();
        EXPECT_EQ(objectMessage.type, adding ? NFT_MSG_NEWOBJ : NFT_MSG_DELOBJ);
    }
}

} // namespace
} // namespace fwx::nft
