#include "nft/HelperObject.hpp"

#include "nft/ElementKey.hpp"
#include "nft/Nftnl.hpp"
#include "nft/TableLayout.hpp"

#include <fmt/format.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

namespace fwx::nft {

namespace {
constexpr std::size_t ObjectCapacity = 512;
constexpr std::size_t ElementCapacity = 128;
} // namespace

HelperObject::HelperObject(redirect::HelperAssignment assignment, std::string table)
    : assignment_(std::move(assignment))
    , table_(std::move(table)) {
}

// "tcp/6667,6697"
std::string HelperObject::describePorts() const {
    return fmt::format("{}/{}", net::toString(assignment_.transport),
                       fmt::join(assignment_.ports, ","));
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

void HelperObject::sendPorts(Batch& batch, std::uint16_t type, std::uint16_t flags) const {
    Set set = makeSet();
    nftnl_set_set_str(set.get(), NFTNL_SET_TABLE, table_.c_str());
    nftnl_set_set_str(set.get(), NFTNL_SET_NAME, HelpersMap);
    nftnl_set_set_u32(set.get(), NFTNL_SET_FAMILY, NFPROTO_INET);
    for (const std::uint16_t port : assignment_.ports) {
        const auto key =
            ElementKey().protocol(net::ipProtocol(assignment_.transport)).port(port).bytes();
        SetElem elem = makeSetElem();
        nftnl_set_elem_set(elem.get(), NFTNL_SET_ELEM_KEY, key.data(),
                           static_cast<std::uint32_t>(key.size()));
        if (type == NFT_MSG_NEWSETELEM) {
            nftnl_set_elem_set_str(elem.get(), NFTNL_SET_ELEM_OBJREF, assignment_.name.c_str());
        }
        nftnl_set_elem_add(set.get(), elem.release());
    }
    const char* verb = type == NFT_MSG_NEWSETELEM ? "adding" : "removing";
    batch.add(
        type, NFPROTO_INET, flags, ElementCapacity * (assignment_.ports.size() + 1),
        [&](nlmsghdr* header, std::size_t /*room*/) {
            nftnl_set_elems_nlmsg_build_payload(header, set.get());
        },
        fmt::format("{} ports {} of ct helper {} in map {}", verb, describePorts(),
                    assignment_.name, HelpersMap));
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
