#include "net/LocalAddresses.hpp"

#include "net/NetlinkDump.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

namespace fwx::net {

namespace {

struct AddressAttributes {
    const nlattr* local = nullptr;
    const nlattr* address = nullptr;
};

int onAttribute(const nlattr* attribute, void* data) {
    auto* attributes = static_cast<AddressAttributes*>(data);
    switch (mnl_attr_get_type(attribute)) {
    case IFA_LOCAL:
        attributes->local = attribute;
        break;
    case IFA_ADDRESS:
        attributes->address = attribute;
        break;
    default:
        break;
    }
    return MNL_CB_OK;
}

std::optional<Address> addressOf(const nlattr* attribute, Family family) {
    const auto size = mnl_attr_get_payload_len(attribute);
    if (size != (family == Family::V4 ? 4U : 16U)) {
        return std::nullopt;
    }
    const auto* payload = static_cast<const std::uint8_t*>(mnl_attr_get_payload(attribute));
    return Address::fromBytes(family, std::span(payload, size));
}

std::optional<LocalAddress> parseNewAddress(const nlmsghdr& message) {
    if (message.nlmsg_type != RTM_NEWADDR ||
        mnl_nlmsg_get_payload_len(&message) < sizeof(ifaddrmsg)) {
        return std::nullopt;
    }
    ifaddrmsg header{};
    std::memcpy(&header, mnl_nlmsg_get_payload(&message), sizeof header);
    if (header.ifa_family != AF_INET && header.ifa_family != AF_INET6) {
        return std::nullopt;
    }
    AddressAttributes attributes;
    if (mnl_attr_parse(&message, sizeof header, onAttribute, &attributes) < 0) {
        return std::nullopt;
    }
    // Tentative (DAD pending) and deprecated addresses are listed too: they are configured.
    // On a point-to-point link IFA_ADDRESS is the peer and IFA_LOCAL ours; IPv6 sends
    // IFA_LOCAL only in that case, so IFA_ADDRESS is the fallback, not the rule.
    const nlattr* attribute = attributes.local != nullptr ? attributes.local : attributes.address;
    if (attribute == nullptr) {
        return std::nullopt;
    }
    const auto address = addressOf(attribute, familyFromAddressFamily(header.ifa_family));
    if (!address) {
        return std::nullopt;
    }
    return LocalAddress{*address, header.ifa_prefixlen, static_cast<int>(header.ifa_index)};
}

} // namespace

std::vector<LocalAddress> queryLocalAddresses() {
    // Room for the netlink header and the request, each padded to 4 bytes.
    alignas(nlmsghdr) std::array<char, sizeof(nlmsghdr) + sizeof(ifaddrmsg) + 8> buffer{};
    nlmsghdr* request = mnl_nlmsg_put_header(buffer.data());
    request->nlmsg_type = RTM_GETADDR;
    request->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    auto* header = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(request, sizeof(ifaddrmsg)));
    header->ifa_family = AF_UNSPEC; // both families in one dump
    return detail::dump<LocalAddress>(NETLINK_ROUTE, *request, "RTM_GETADDR dump", parseNewAddress);
}

bool isLocalAddress(const Address& address) {
    const auto addresses = queryLocalAddresses();
    return std::any_of(addresses.begin(), addresses.end(),
                       [&](const LocalAddress& local) { return local.address == address; });
}

} // namespace fwx::net
