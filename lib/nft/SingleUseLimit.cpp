#include "nft/SingleUseLimit.hpp"

#include "nft/Nftnl.hpp"

#include <fmt/format.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

namespace fwx::nft {

namespace {
// Two names (table, object) of at most 256 bytes each and four fixed-size attributes.
constexpr std::size_t ObjectRoom = 1024;
} // namespace

SingleUseLimit::SingleUseLimit(const redirect::Redirect& redirect)
    : name_(nameFor(redirect))
    , port_(fmt::format("{}/{}", redirect.internal.toString(), net::toString(redirect.transport))) {
}

std::string SingleUseLimit::nameFor(const redirect::Redirect& redirect) {
    return fmt::format("once-{}-{}-{}", redirect.internal.address.toString(),
                       net::toString(redirect.transport), redirect.internal.port);
}

void SingleUseLimit::send(Batch& batch, const std::string& table, std::uint16_t type,
                          std::uint16_t flags) const {
    Object object = makeObject();
    nftnl_obj_set_str(object.get(), NFTNL_OBJ_TABLE, table.c_str());
    nftnl_obj_set_str(object.get(), NFTNL_OBJ_NAME, name_.c_str());
    nftnl_obj_set_u32(object.get(), NFTNL_OBJ_FAMILY, NFPROTO_INET);
    nftnl_obj_set_u32(object.get(), NFTNL_OBJ_TYPE, NFT_OBJECT_LIMIT);
    if (type == NFT_MSG_NEWOBJ) {
        nftnl_obj_set_u64(object.get(), NFTNL_OBJ_LIMIT_RATE, 1);
        nftnl_obj_set_u64(object.get(), NFTNL_OBJ_LIMIT_UNIT, UnitSeconds);
        // 0 would mean the kernel's default of 5 packets.
        nftnl_obj_set_u32(object.get(), NFTNL_OBJ_LIMIT_BURST, 1);
        nftnl_obj_set_u32(object.get(), NFTNL_OBJ_LIMIT_TYPE, NFT_LIMIT_PKTS);
        nftnl_obj_set_u32(object.get(), NFTNL_OBJ_LIMIT_FLAGS, 0);
    }
    batch.add(
        type, NFPROTO_INET, flags, ObjectRoom,
        [&](nlmsghdr* header, std::size_t /*room*/) {
            nftnl_obj_nlmsg_build_payload(header, object.get());
        },
        fmt::format("{} limit {} (single-use permission of {})",
                    type == NFT_MSG_NEWOBJ ? "creating" : "deleting", name_, port_));
}

void SingleUseLimit::addTo(Batch& batch, const std::string& table) const {
    send(batch, table, NFT_MSG_NEWOBJ, NLM_F_CREATE | NLM_F_EXCL);
}

void SingleUseLimit::removeFrom(Batch& batch, const std::string& table) const {
    send(batch, table, NFT_MSG_DELOBJ, 0);
}

} // namespace fwx::nft
