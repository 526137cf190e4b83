#include "nft/TableLayout.hpp"

#include "nft/Nftnl.hpp"

#include <optional>
#include <utility>
#include <vector>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

namespace fwx::nft {

namespace {
// nft datatype ids; a concatenation's type is its fields' ids, 6 bits each.
constexpr std::uint32_t InetProtocolType = 12;
constexpr std::uint32_t InetServiceType = 13;
constexpr std::uint32_t TypeBits = 6;
constexpr std::size_t ObjectCapacity = 4096;

std::uint32_t concatType(std::initializer_list<std::uint32_t> types) {
    std::uint32_t type = 0;
    for (const std::uint32_t t : types) {
        type = (type << TypeBits) | t;
    }
    return type;
}

struct SetSpec {
    std::string name;
    std::uint32_t keyType = 0;
    std::uint32_t keyLength = 0;
    std::uint32_t flags = 0;
    std::optional<std::pair<std::uint32_t, std::uint32_t>> data; // type, length
    std::vector<std::uint8_t> intervalFields;                    // field lengths, pipapo
    std::string comment;
    std::optional<std::uint32_t> objectType{}; // object maps: NFT_OBJECT_*
};

void addComment(nftnl_set* set, const std::string& comment) {
    Udata udata = makeUdata();
    nftnl_udata_put_strz(udata.get(), NFTNL_UDATA_SET_COMMENT, comment.c_str());
    nftnl_set_set_data(set, NFTNL_SET_USERDATA, nftnl_udata_buf_data(udata.get()),
                       nftnl_udata_buf_len(udata.get()));
}

void addSet(Batch& batch, const std::string& table, const SetSpec& spec, std::uint32_t id) {
    Set set = makeSet();
    nftnl_set_set_str(set.get(), NFTNL_SET_TABLE, table.c_str());
    nftnl_set_set_str(set.get(), NFTNL_SET_NAME, spec.name.c_str());
    nftnl_set_set_u32(set.get(), NFTNL_SET_FAMILY, NFPROTO_INET);
    nftnl_set_set_u32(set.get(), NFTNL_SET_ID, id);
    nftnl_set_set_u32(set.get(), NFTNL_SET_KEY_TYPE, spec.keyType);
    nftnl_set_set_u32(set.get(), NFTNL_SET_KEY_LEN, spec.keyLength);
    nftnl_set_set_u32(set.get(), NFTNL_SET_FLAGS, spec.flags);
    if (spec.data) {
        nftnl_set_set_u32(set.get(), NFTNL_SET_DATA_TYPE, spec.data->first);
        nftnl_set_set_u32(set.get(), NFTNL_SET_DATA_LEN, spec.data->second);
    }
    if (spec.objectType) {
        nftnl_set_set_u32(set.get(), NFTNL_SET_OBJ_TYPE, *spec.objectType);
    }
    if (!spec.intervalFields.empty()) {
        nftnl_set_set_data(set.get(), NFTNL_SET_DESC_CONCAT, spec.intervalFields.data(),
                           static_cast<std::uint32_t>(spec.intervalFields.size()));
    }
    addComment(set.get(), spec.comment);
    batch.add(
        NFT_MSG_NEWSET, NFPROTO_INET, NLM_F_CREATE | NLM_F_EXCL, ObjectCapacity,
        [&](nlmsghdr* header, std::size_t /*room*/) {
            nftnl_set_nlmsg_build_payload(header, set.get());
        },
        "creating set " + spec.name);
}

std::vector<SetSpec> setsOf(const FamilyLayout& f) {
    const std::uint32_t key = concatType({f.addressType, InetProtocolType, InetServiceType});
    const std::uint32_t keyLength = f.portKeyLength();
    const auto a = static_cast<std::uint8_t>(f.addressLength);
    return {
        {f.ports(), key, keyLength, 0, {}, {}, "allocated ports"},
        {f.dnat(),
         key,
         keyLength,
         NFT_SET_MAP,
         std::make_pair(concatType({f.addressType, InetServiceType}), f.addressLength + 4),
         {},
         "allocated port -> target"},
        {f.once(),
         key,
         keyLength,
         NFT_SET_TIMEOUT,
         {},
         {},
         "single-use permissions (timeouts of TIMEOUT permissions)"},
        // An object map: nft lists it as "type ipv4_addr . inet_proto . inet_service :
        // limit". Its elements never expire: an expired element keeps its object in use
        // until the set's garbage collection frees it (up to a second later on 6.18),
        // and the object could not be deleted with the redirect until then (EBUSY).
        {f.onceLimits(),
         key,
         keyLength,
         NFT_SET_OBJECT,
         {},
         {},
         "single-use permission -> the limit object that admits its one connection",
         NFT_OBJECT_LIMIT},
        {f.multi(),
         key,
         keyLength,
         NFT_SET_TIMEOUT,
         {},
         {},
         "permissions for any number of connections (ALLOW_MULTIPLE)"},
        {f.open(), key, keyLength, 0, {}, {}, "allocated ports any client may use"},
        {f.client(),
         concatType({f.addressType, InetProtocolType, InetServiceType, f.addressType}),
         keyLength + f.addressLength,
         0,
         {},
         {},
         "allocated port . the one client allowed to use it"},
        {f.source(),
         concatType({f.addressType, InetProtocolType, InetServiceType, f.addressType}),
         keyLength + f.addressLength,
         NFT_SET_INTERVAL | NFT_SET_CONCAT,
         {},
         {a, 1, 2, a},
         "allocated port . client prefix allowed to use it"},
        {f.snat(),
         key,
         keyLength,
         NFT_SET_MAP,
         std::make_pair(f.addressType, f.addressLength),
         {},
         "allocated port -> proxy external address"},
    };
}

// server . protocol . port -> ct helper object: nft lists it as "type ipv4_addr .
// inet_proto . inet_service : ct helper; flags interval". An object map is NFT_SET_OBJECT
// without NFT_SET_MAP: the kernel refuses both together (EOPNOTSUPP). Servers are prefixes,
// so the map is an interval set (pipapo), which holds object references too.
SetSpec helpersSpec(const FamilyLayout& f) {
    return {f.helpers(),
            concatType({f.addressType, InetProtocolType, InetServiceType}),
            f.portKeyLength(),
            NFT_SET_OBJECT | NFT_SET_INTERVAL | NFT_SET_CONCAT,
            {},
            {static_cast<std::uint8_t>(f.addressLength), 1, 2},
            "registered protocol's server . port -> its conntrack helper",
            NFT_OBJECT_CT_HELPER};
}

void addTableObject(Batch& batch, const std::string& name) {
    Table table = makeTable();
    nftnl_table_set_str(table.get(), NFTNL_TABLE_NAME, name.c_str());
    nftnl_table_set_u32(table.get(), NFTNL_TABLE_FAMILY, NFPROTO_INET);
    // Owned by our netlink socket: nobody else may change it, and the kernel deletes it
    // when the daemon exits or crashes, so a dead fwxd leaves no open ports behind.
    nftnl_table_set_u32(table.get(), NFTNL_TABLE_FLAGS, NFT_TABLE_F_OWNER);
    batch.add(
        NFT_MSG_NEWTABLE, NFPROTO_INET, NLM_F_CREATE | NLM_F_EXCL, ObjectCapacity,
        [&](nlmsghdr* header, std::size_t /*room*/) {
            nftnl_table_nlmsg_build_payload(header, table.get());
        },
        "creating table inet " + name);
}
} // namespace

const FamilyLayout& layoutFor(net::Family family) {
    static const FamilyLayout v4{net::Family::V4, NFPROTO_IPV4, 7, 4, "v4"};
    static const FamilyLayout v6{net::Family::V6, NFPROTO_IPV6, 8, 16, "v6"};
    return family == net::Family::V4 ? v4 : v6;
}

void addTable(Batch& batch, const EngineOptions& options) {
    addTableObject(batch, options.tableName);
    std::uint32_t id = 1;
    for (const net::Family family : {net::Family::V4, net::Family::V6}) {
        for (const SetSpec& spec : setsOf(layoutFor(family))) {
            addSet(batch, options.tableName, spec, id++);
        }
        addSet(batch, options.tableName, helpersSpec(layoutFor(family)), id++);
    }
    addChains(batch, options);
}

} // namespace fwx::nft
