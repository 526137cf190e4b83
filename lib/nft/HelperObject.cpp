#include "nft/HelperObject.hpp"

#include "nft/ElementKey.hpp"
#include "nft/ElementMessages.hpp"
#include "nft/Nftnl.hpp"
#include "nft/TableLayout.hpp"

#include <fmt/format.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

namespace fwx::nft {

namespace {
// Three names (table, object, kernel helper) of at most 256 bytes each and two fixed-size
// attributes.
constexpr std::size_t ObjectCapacity = 1024;
} // namespace

HelperObject::HelperObject(redirect::HelperAssignment assignment, std::string table)
    : assignment_(std::move(assignment))
    , table_(std::move(table)) {
}

// "tcp/6667,6697"; long lists by their first ports: "tcp/5060,5061,5062,5063,... (1000 ports)"
std::string HelperObject::describePorts() const {
    constexpr std::size_t Shown = 4;
    const auto& ports = assignment_.ports;
    if (ports.size() <= Shown + 1) {
        return fmt::format("{}/{}", net::toString(assignment_.transport), fmt::join(ports, ","));
    }
    return fmt::format("{}/{},... ({} ports)", net::toString(assignment_.transport),
                       fmt::join(ports.begin(), ports.begin() + Shown, ","), ports.size());
}

void HelperObject::sendObject(Batch& batch, std::uint16_t type, std::uint16_t flags) const {
    Object object = makeObject();
    nftnl_obj_set_str(object.get(), NFTNL_OBJ_TABLE, table_.c_str());
    nftnl_obj_set_str(object.get(), NFTNL_OBJ_NAME, assignment_.name.c_str());
    nftnl_obj_set_u32(object.get(), NFTNL_OBJ_FAMILY, NFPROTO_INET);
    nftnl_obj_set_u32(object.get(), NFTNL_OBJ_TYPE, NFT_OBJECT_CT_HELPER);
    if (type == NFT_MSG_NEWOBJ) {
        nftnl_obj_set_str(object.get(), NFTNL_OBJ_CT_HELPER_NAME, assignment_.helper.c_str());
        nftnl_obj_set_u16(object.get(), NFTNL_OBJ_CT_HELPER_L3PROTO, NFPROTO_INET);
        nftnl_obj_set_u8(object.get(), NFTNL_OBJ_CT_HELPER_L4PROTO,
                         net::ipProtocol(assignment_.transport));
    }
    const char* verb = type == NFT_MSG_NEWOBJ ? "creating" : "deleting";
    batch.add(
        type, NFPROTO_INET, flags, ObjectCapacity,
        [&](nlmsghdr* header, std::size_t /*room*/) {
            nftnl_obj_nlmsg_build_payload(header, object.get());
        },
        fmt::format("{} ct helper {} (type \"{}\", {})", verb, assignment_.name, assignment_.helper,
                    describePorts()));
}

// One element per server and port, in the map of the server's family: the interval from
// the prefix's first to its last address, at that protocol and port.
void HelperObject::sendPorts(Batch& batch, std::uint16_t type, std::uint16_t flags) const {
    const bool adding = type == NFT_MSG_NEWSETELEM;
    const ElementMessages messages(
        type, flags, adding ? ElementMessages::Content::Full : ElementMessages::Content::Key,
        adding ? "adding" : "removing");
    const std::uint8_t protocol = net::ipProtocol(assignment_.transport);
    for (const net::Family family : {net::Family::V4, net::Family::V6}) {
        std::vector<SetElement> elements;
        for (const net::Prefix& server : assignment_.servers) {
            if (server.family() != family) {
                continue;
            }
            for (const std::uint16_t port : assignment_.ports) {
                SetElement e;
                e.key =
                    ElementKey().address(server.network()).protocol(protocol).port(port).bytes();
                e.keyEnd =
                    ElementKey().address(server.last()).protocol(protocol).port(port).bytes();
                e.objref = assignment_.name;
                e.label = fmt::format("{} {}/{}", server.toString(),
                                      net::toString(assignment_.transport), port);
                elements.push_back(std::move(e));
            }
        }
        if (!elements.empty()) {
            messages.append(
                batch, table_, layoutFor(family).helpers(), elements,
                fmt::format("ports {} of ct helper {}", describePorts(), assignment_.name));
        }
    }
}

void HelperObject::addTo(Batch& batch) const {
    sendObject(batch, NFT_MSG_NEWOBJ, NLM_F_CREATE | NLM_F_EXCL);
    sendPorts(batch, NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL);
}

void HelperObject::removeFrom(Batch& batch) const {
    sendPorts(batch, NFT_MSG_DELSETELEM, 0);
    sendObject(batch, NFT_MSG_DELOBJ, 0);
}

} // namespace fwx::nft
