#include "WireMessages.hpp"

#include "nft/Nftnl.hpp"

#include <cstring>
#include <limits>

#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

namespace fwx::nft::test {

namespace {

// The attributes in [begin, end), as libmnl's iteration macros walk them (which C++ cannot
// compile cleanly): stops at the first one that does not fit.
std::vector<const nlattr*> attributesIn(const void* begin, const void* end) {
    std::vector<const nlattr*> attrs;
    const auto* at = static_cast<const nlattr*>(begin);
    const auto* stop = static_cast<const char*>(end);
    while (mnl_attr_ok(at, static_cast<int>(stop - reinterpret_cast<const char*>(at)))) {
        attrs.push_back(at);
        at = mnl_attr_next(at);
    }
    return attrs;
}

std::vector<std::uint8_t> bytesOf(nftnl_set_elem* e, std::uint16_t attr) {
    if (!nftnl_set_elem_is_set(e, attr)) {
        return {};
    }
    std::uint32_t length = 0;
    const auto* data = static_cast<const std::uint8_t*>(nftnl_set_elem_get(e, attr, &length));
    return {data, data + length};
}

int commentOf(const nftnl_udata* attr, void* data) {
    if (nftnl_udata_type(attr) == NFTNL_UDATA_SET_ELEM_COMMENT) {
        const auto* text = static_cast<const char*>(nftnl_udata_get(attr));
        // strz: the length counts the terminating NUL
        *static_cast<std::string*>(data) = std::string(text, strnlen(text, nftnl_udata_len(attr)));
    }
    return 0;
}

WireElement toWire(nftnl_set_elem* e) {
    WireElement w;
    w.key = bytesOf(e, NFTNL_SET_ELEM_KEY);
    w.keyEnd = bytesOf(e, NFTNL_SET_ELEM_KEY_END);
    w.data = bytesOf(e, NFTNL_SET_ELEM_DATA);
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_TIMEOUT)) {
        w.timeoutMs = nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_TIMEOUT);
    }
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_OBJREF)) {
        w.objref = nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_OBJREF);
    }
    const auto userdata = bytesOf(e, NFTNL_SET_ELEM_USERDATA);
    if (!userdata.empty()) {
        nftnl_udata_parse(userdata.data(), static_cast<std::uint32_t>(userdata.size()), commentOf,
                          &w.comment);
    }
    return w;
}

// The element list of an element message, checked attribute by attribute.
void parseElements(const nlmsghdr* header, WireMessage& message) {
    const auto* payloadEnd = reinterpret_cast<const char*>(header) + header->nlmsg_len;
    std::size_t parsedTo = mnl_nlmsg_size(sizeof(nfgenmsg));
    for (const nlattr* attr : attributesIn(mnl_nlmsg_get_payload_offset(header, sizeof(nfgenmsg)),
                                           mnl_nlmsg_get_payload_tail(header))) {
        parsedTo = static_cast<std::size_t>(reinterpret_cast<const char*>(attr) -
                                            reinterpret_cast<const char*>(header)) +
                   MNL_ALIGN(attr->nla_len);
        if (mnl_attr_get_type(attr) == NFTA_SET_ELEM_LIST_SET) {
            message.set = mnl_attr_get_str(attr);
        }
        if (mnl_attr_get_type(attr) != NFTA_SET_ELEM_LIST_ELEMENTS) {
            continue;
        }
        message.elementListBytes = attr->nla_len;
        // A 16-bit nla_len that wrapped would end the list early: the rest of the message
        // would then be read as stray top-level attributes.
        EXPECT_EQ(reinterpret_cast<const char*>(attr) + attr->nla_len, payloadEnd)
            << "the element list of a message to " << message.set
            << " does not end with the message";
        const auto* list = static_cast<const char*>(mnl_attr_get_payload(attr));
        for (const nlattr* element : attributesIn(list, list + mnl_attr_get_payload_len(attr))) {
            EXPECT_EQ(mnl_attr_get_type(element), NFTA_LIST_ELEM);
            message.elementOffsets.push_back(static_cast<std::uint32_t>(
                reinterpret_cast<const char*>(element) - reinterpret_cast<const char*>(header)));
        }
    }
    EXPECT_EQ(parsedTo, header->nlmsg_len) << "stray bytes after the attributes";

    Set set = makeSet();
    EXPECT_EQ(nftnl_set_elems_nlmsg_parse(header, set.get()), 0) << "libnftnl cannot parse it";
    nftnl_set_elems_iter* iter = nftnl_set_elems_iter_create(set.get());
    for (nftnl_set_elem* e = nftnl_set_elems_iter_next(iter); e != nullptr;
         e = nftnl_set_elems_iter_next(iter)) {
        message.elements.push_back(toWire(e));
    }
    nftnl_set_elems_iter_destroy(iter);
    EXPECT_EQ(message.elements.size(), message.elementOffsets.size());
}

} // namespace

std::vector<WireElement> Wire::elementsOf(const std::string& set, std::uint16_t type) const {
    std::vector<WireElement> all;
    for (const WireMessage& m : messages) {
        if (m.set == set && m.type == type) {
            all.insert(all.end(), m.elements.begin(), m.elements.end());
        }
    }
    return all;
}

Wire parseWire(const Batch& batch) {
    Wire wire;
    const auto bytes = batch.bytes();
    const auto* header = reinterpret_cast<const nlmsghdr*>(bytes.data());
    auto remaining = static_cast<int>(bytes.size());
    bool first = true;
    for (; remaining > 0; header = mnl_nlmsg_next(header, &remaining)) {
        if (!mnl_nlmsg_ok(header, remaining)) {
            ADD_FAILURE() << "a message runs past the end of the batch (" << remaining
                          << " bytes left)";
            break;
        }
        if (first) {
            EXPECT_EQ(header->nlmsg_type, NFNL_MSG_BATCH_BEGIN);
            first = false;
            continue;
        }
        EXPECT_EQ(header->nlmsg_type >> 8, NFNL_SUBSYS_NFTABLES);
        WireMessage message;
        message.type = static_cast<std::uint16_t>(header->nlmsg_type & 0xff);
        message.flags = header->nlmsg_flags;
        message.length = header->nlmsg_len;
        if (message.type == NFT_MSG_NEWSETELEM || message.type == NFT_MSG_DELSETELEM) {
            parseElements(header, message);
        }
        wire.messages.push_back(std::move(message));
    }
    EXPECT_EQ(remaining, 0) << "the messages do not fill the batch exactly";
    return wire;
}

} // namespace fwx::nft::test
