#include "net/LocalAddresses.hpp"

#include "error/Error.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
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

std::vector<LocalAddress> dumpAddresses(NetlinkQuery& query) {
    // Room for the netlink header and the request, each padded to 4 bytes.
    alignas(nlmsghdr) std::array<char, sizeof(nlmsghdr) + sizeof(ifaddrmsg) + 8> buffer{};
    nlmsghdr* request = mnl_nlmsg_put_header(buffer.data());
    request->nlmsg_type = RTM_GETADDR;
    request->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    auto* header = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(request, sizeof(ifaddrmsg)));
    header->ifa_family = AF_UNSPEC; // both families in one dump
    return query.dump<LocalAddress>(*request, "RTM_GETADDR dump", parseNewAddress);
}

} // namespace

std::vector<LocalAddress> queryLocalAddresses() {
    NetlinkQuery query(NETLINK_ROUTE);
    return dumpAddresses(query);
}

LocalAddresses::LocalAddresses()
    : changes_(NetlinkSocket::open(NETLINK_ROUTE, RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR))
    , query_(NETLINK_ROUTE) {
}

bool LocalAddresses::contains(const Address& address) {
    // Subscribed before the dump: a change during it is read next time and dumps again.
    if (changed() || !current_) {
        current_ = false;
        addresses_ = dumpAddresses(query_);
        current_ = true;
    }
    return std::any_of(addresses_.begin(), addresses_.end(),
                       [&](const LocalAddress& local) { return local.address == address; });
}

bool LocalAddresses::changed() {
    // Announcements are small; what they say does not matter, only that they came.
    std::array<char, 8192> buffer{};
    bool any = false;
    for (;;) {
        const ssize_t received = ::recv(changes_.fd(), buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (received >= 0) {
            any = true;
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return any;
        }
        if (errno == ENOBUFS) { // announcements were lost: assume the worst
            any = true;
            continue;
        }
        if (errno != EINTR) {
            throwSystemError("reading address announcements (rtnetlink)", errno);
        }
    }
}

} // namespace fwx::net
