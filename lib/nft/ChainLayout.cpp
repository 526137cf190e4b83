// The chains and rules of table inet fwxd. Each builder states the rule in nft syntax.
//
// How a redirect works: a connection's first packet to an allocated port jumps from the
// DNAT hook to admit_v4/admit_v6, which checks who may connect, then to permit_v4/permit_v6:
// if a permission matches (multi_*, or once_* whose limit object still has its one token),
// the connection is DNATed to its target, and conntrack applies that binding to every
// later packet of the connection (a retransmitted SYN included: it carries ct status dnat)
// without running the nat chain again. A used single-use permission stays until the
// daemon removes its redirect; its spent limit refuses every other connection. A redirect backed by
// a conntrack expectation has no permission elements: the expectation is its permission (who, how
// often, how long), and the first rule of admit_* DNATs every connection conntrack created from an
// expectation (ct status expected). A connection that is not admitted is not DNATed, so it is
// delivered locally to the allocated port, where gate_input refuses it. Nothing else on the
// machine is touched: every rule first matches @ports_*.
//
// helpers_prerouting attaches the kernel conntrack helpers of registered protocols to new
// primary connections to the servers they name (ct helper objects through the helpers_v4
// and helpers_v6 maps, see HelperObject.cpp), before conntrack confirms them: expectations
// can only hang on a helped master.
#include "nft/Expressions.hpp"
#include "nft/RuleBuilder.hpp"
#include "nft/TableLayout.hpp"

#include <array>
#include <cstring>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tuple_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

namespace fwx::nft {

namespace {
constexpr std::size_t ChainCapacity = 1024;
constexpr std::uint32_t Ip4SaddrOffset = 12;
constexpr std::uint32_t Ip4DaddrOffset = 16;
constexpr std::uint32_t Ip6SaddrOffset = 8;
constexpr std::uint32_t Ip6DaddrOffset = 24;
constexpr std::uint32_t DportOffset = 2; // same for TCP and UDP
constexpr std::uint32_t CtStateNew = 1U << (IP_CT_NEW + 1);

std::array<std::uint8_t, 4> hostU32(std::uint32_t value) {
    std::array<std::uint8_t, 4> bytes{};
    std::memcpy(bytes.data(), &value, sizeof value);
    return bytes;
}

std::uint32_t registersFor(std::uint32_t bytes) {
    return (bytes + 3) / 4;
}

struct BaseChain {
    const char* name;
    const char* type;
    std::uint32_t hook;
    int priority;
};

void addBaseChain(Batch& batch, const std::string& table, const BaseChain& spec) {
    Chain chain = makeChain();
    nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_TABLE, table.c_str());
    nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_NAME, spec.name);
    nftnl_chain_set_u32(chain.get(), NFTNL_CHAIN_FAMILY, NFPROTO_INET);
    nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_TYPE, spec.type);
    nftnl_chain_set_u32(chain.get(), NFTNL_CHAIN_HOOKNUM, spec.hook);
    nftnl_chain_set_s32(chain.get(), NFTNL_CHAIN_PRIO, spec.priority);
    nftnl_chain_set_u32(chain.get(), NFTNL_CHAIN_POLICY, NF_ACCEPT);
    batch.add(
        NFT_MSG_NEWCHAIN, NFPROTO_INET, NLM_F_CREATE | NLM_F_EXCL, ChainCapacity,
        [&](nlmsghdr* header, std::size_t /*room*/) {
            nftnl_chain_nlmsg_build_payload(header, chain.get());
        },
        std::string("creating chain ") + spec.name);
}

void addRegularChain(Batch& batch, const std::string& table, const std::string& name) {
    Chain chain = makeChain();
    nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_TABLE, table.c_str());
    nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_NAME, name.c_str());
    nftnl_chain_set_u32(chain.get(), NFTNL_CHAIN_FAMILY, NFPROTO_INET);
    batch.add(
        NFT_MSG_NEWCHAIN, NFPROTO_INET, NLM_F_CREATE | NLM_F_EXCL, ChainCapacity,
        [&](nlmsghdr* header, std::size_t /*room*/) {
            nftnl_chain_nlmsg_build_payload(header, chain.get());
        },
        "creating chain " + name);
}

// meta nfproto ipv4|ipv6 — the dependency nft itself puts before ip/ip6 matches in inet.
void matchFamily(RuleBuilder& rule, const FamilyLayout& f) {
    rule.add(expr::meta(NFT_META_NFPROTO, NFT_REG_1));
    const std::array<std::uint8_t, 1> proto{static_cast<std::uint8_t>(f.nfproto)};
    rule.add(expr::compare(NFT_CMP_EQ, NFT_REG_1, proto));
}

// ip daddr . meta l4proto . th dport, from NFT_REG32_00 on. Returns the next free register.
std::uint32_t loadPortKey(RuleBuilder& rule, const FamilyLayout& f) {
    const std::uint32_t daddr = f.family == net::Family::V4 ? Ip4DaddrOffset : Ip6DaddrOffset;
    const std::uint32_t proto = NFT_REG32_00 + registersFor(f.addressLength);
    rule.add(expr::payload(NFT_PAYLOAD_NETWORK_HEADER, daddr, f.addressLength, NFT_REG32_00));
    rule.add(expr::meta(NFT_META_L4PROTO, proto));
    rule.add(expr::payload(NFT_PAYLOAD_TRANSPORT_HEADER, DportOffset, 2, proto + 1));
    return proto + 2;
}

// ct status & <bit> (== 0 when absent is true)
void matchCtStatus(RuleBuilder& rule, std::uint32_t bit, bool present) {
    rule.add(expr::ct(NFT_CT_STATUS, {}, NFT_REG_1));
    rule.add(expr::mask(NFT_REG_1, hostU32(bit)));
    rule.add(expr::compare(present ? NFT_CMP_NEQ : NFT_CMP_EQ, NFT_REG_1, hostU32(0)));
}

// dnat ip to ip daddr . meta l4proto . th dport map @dnat_v4
void dnatByMap(RuleBuilder& rule, const FamilyLayout& f) {
    loadPortKey(rule, f);
    rule.add(expr::lookup(f.dnat(), NFT_REG32_00, NFT_REG32_00));
    const std::uint32_t port = NFT_REG32_00 + registersFor(f.addressLength);
    rule.add(expr::nat(NFT_NAT_DNAT, f.nfproto, NFT_REG32_00, port));
}

// meta nfproto ipv4 ip daddr . meta l4proto . th dport @ports_v4 jump admit_v4
void jumpToAdmit(Batch& batch, const std::string& table, const char* chain, const FamilyLayout& f) {
    RuleBuilder rule(table, chain);
    matchFamily(rule, f);
    loadPortKey(rule, f);
    rule.add(expr::lookup(f.ports(), NFT_REG32_00));
    rule.add(expr::verdict(NFT_JUMP, f.admitChain()));
    rule.comment("connections to allocated ports are admitted or left alone").appendTo(batch);
}

// Loads the port key followed by "ip saddr" and returns after the lookup in set.
void lookupWithClient(RuleBuilder& rule, const FamilyLayout& f, const std::string& set) {
    const std::uint32_t next = loadPortKey(rule, f);
    const std::uint32_t saddr = f.family == net::Family::V4 ? Ip4SaddrOffset : Ip6SaddrOffset;
    rule.add(expr::payload(NFT_PAYLOAD_NETWORK_HEADER, saddr, f.addressLength, next));
    rule.add(expr::lookup(set, NFT_REG32_00));
}

// Who may connect: conntrack's expectation (first), anyone (open_v4), one client
// (client_v4) or a prefix (source_v4).
void addAdmitRules(Batch& batch, const std::string& table, const FamilyLayout& f) {
    const std::string chain = f.admitChain();
    {
        // meta nfproto ipv4 ct status expected
        //   dnat ip to ip daddr . meta l4proto . th dport map @dnat_v4
        RuleBuilder rule(table, chain);
        matchFamily(rule, f);
        matchCtStatus(rule, IPS_EXPECTED, true);
        dnatByMap(rule, f);
        rule.comment("created from a conntrack expectation: the expectation is the permission")
            .appendTo(batch);
    }
    {
        // ip daddr . meta l4proto . th dport @open_v4 goto permit_v4
        RuleBuilder rule(table, chain);
        matchFamily(rule, f);
        loadPortKey(rule, f);
        rule.add(expr::lookup(f.open(), NFT_REG32_00));
        rule.add(expr::verdict(NFT_GOTO, f.permitChain()));
        rule.comment("any client may use these").appendTo(batch);
    }
    for (const auto& [set, comment] : {std::pair{f.client(), "the one client allowed"},
                                       std::pair{f.source(), "clients of the allowed prefix"}}) {
        // ip daddr . meta l4proto . th dport . ip saddr @client_v4 goto permit_v4
        RuleBuilder rule(table, chain);
        matchFamily(rule, f);
        lookupWithClient(rule, f, set);
        rule.add(expr::verdict(NFT_GOTO, f.permitChain()));
        rule.comment(comment).appendTo(batch);
    }
}

void addPermitRules(Batch& batch, const std::string& table, const FamilyLayout& f) {
    const std::string chain = f.permitChain();
    {
        // ip daddr . meta l4proto . th dport @multi_v4 dnat ip to <key> map @dnat_v4
        RuleBuilder rule(table, chain);
        matchFamily(rule, f);
        loadPortKey(rule, f);
        rule.add(expr::lookup(f.multi(), NFT_REG32_00));
        dnatByMap(rule, f);
        rule.comment("permission for any number of connections").appendTo(batch);
    }
    {
        // ip daddr . meta l4proto . th dport @once_v4
        //   limit name ip daddr . meta l4proto . th dport map @once_limits_v4
        //   dnat ip to <key> map @dnat_v4
        // The port's limit object (SingleUseLimit) holds one token and takes it under its
        // own spinlock: checking and using the permission are one step, so of concurrent
        // first packets on several CPUs exactly one gets through. A lookup followed by a
        // dynset delete is two steps, and two CPUs could both pass the lookup.
        RuleBuilder rule(table, chain);
        matchFamily(rule, f);
        loadPortKey(rule, f);
        rule.add(expr::lookup(f.once(), NFT_REG32_00));
        rule.add(expr::objrefByMap(f.onceLimits(), NFT_REG32_00));
        dnatByMap(rule, f);
        rule.comment("single-use permission: its limit object admits one connection")
            .appendTo(batch);
    }
}

// meta nfproto ipv4 ct status dnat
//   snat ip to ct original ip daddr . ct original protocol . ct original proto-dst map @snat_v4
// (nft 1.0.6 prints but cannot parse this concatenation; the kernel is fine with it.)
void addSnatRule(Batch& batch, const std::string& table, const FamilyLayout& f) {
    RuleBuilder rule(table, "snat_postrouting");
    matchFamily(rule, f);
    matchCtStatus(rule, IPS_DST_NAT, true);
    const std::uint32_t addressKey = f.family == net::Family::V4 ? NFT_CT_DST_IP : NFT_CT_DST_IP6;
    const std::uint32_t proto = NFT_REG32_00 + registersFor(f.addressLength);
    rule.add(expr::ct(addressKey, IP_CT_DIR_ORIGINAL, NFT_REG32_00));
    rule.add(expr::ct(NFT_CT_PROTOCOL, IP_CT_DIR_ORIGINAL, proto));
    rule.add(expr::ct(NFT_CT_PROTO_DST, IP_CT_DIR_ORIGINAL, proto + 1));
    rule.add(expr::lookup(f.snat(), NFT_REG32_00, NFT_REG32_00));
    rule.add(expr::nat(NFT_NAT_SNAT, f.nfproto, NFT_REG32_00, {}));
    rule.comment("outbound leg from the proxy external address").appendTo(batch);
}

// ct state new
void matchCtStateNew(RuleBuilder& rule) {
    rule.add(expr::ct(NFT_CT_STATE, {}, NFT_REG_1));
    rule.add(expr::mask(NFT_REG_1, hostU32(CtStateNew)));
    rule.add(expr::compare(NFT_CMP_NEQ, NFT_REG_1, hostU32(0)));
}

// meta nfproto ipv4 ct state new
//   ct helper set ip daddr . meta l4proto . th dport map @helpers_v4
// (nft 1.0.6 prints this rule but cannot parse it back.)
void addHelperRule(Batch& batch, const std::string& table, const FamilyLayout& f) {
    RuleBuilder rule(table, "helpers_prerouting");
    matchFamily(rule, f);
    matchCtStateNew(rule);
    loadPortKey(rule, f);
    rule.add(expr::objrefByMap(f.helpers(), NFT_REG32_00));
    rule.comment("conntrack helpers of registered protocols' servers, before conntrack confirms")
        .appendTo(batch);
}

// meta nfproto ipv4 ct state new ct status != dnat
//   ip daddr . meta l4proto . th dport @ports_v4 jump refuse
void addGateRule(Batch& batch, const std::string& table, const FamilyLayout& f) {
    RuleBuilder rule(table, "gate_input");
    matchFamily(rule, f);
    matchCtStateNew(rule);
    matchCtStatus(rule, IPS_DST_NAT, false);
    loadPortKey(rule, f);
    rule.add(expr::lookup(f.ports(), NFT_REG32_00));
    rule.add(expr::verdict(NFT_JUMP, "refuse"));
    rule.comment("new connections to allocated ports that no permission admitted").appendTo(batch);
}

void addRefuseRules(Batch& batch, const std::string& table) {
    {
        // meta l4proto tcp counter reject with tcp reset
        RuleBuilder rule(table, "refuse");
        rule.add(expr::meta(NFT_META_L4PROTO, NFT_REG_1));
        const std::array<std::uint8_t, 1> tcp{IPPROTO_TCP};
        rule.add(expr::compare(NFT_CMP_EQ, NFT_REG_1, tcp));
        rule.add(expr::counter());
        rule.add(expr::rejectTcpReset());
        rule.appendTo(batch);
    }
    // counter reject with icmpx port-unreachable
    RuleBuilder rule(table, "refuse");
    rule.add(expr::counter());
    rule.add(expr::rejectPortUnreachable());
    rule.appendTo(batch);
}
} // namespace

void addChains(Batch& batch, const EngineOptions& options) {
    const std::string& table = options.tableName;
    const std::array<BaseChain, 5> bases{{
        {"helpers_prerouting", "filter", NF_INET_PRE_ROUTING, options.helperPriority},
        {"dnat_prerouting", "nat", NF_INET_PRE_ROUTING, options.dnatPriority},
        {"dnat_output", "nat", NF_INET_LOCAL_OUT, options.dnatPriority},
        {"snat_postrouting", "nat", NF_INET_POST_ROUTING, options.snatPriority},
        {"gate_input", "filter", NF_INET_LOCAL_IN, options.gatePriority},
    }};
    for (const BaseChain& chain : bases) {
        addBaseChain(batch, table, chain);
    }
    addRegularChain(batch, table, "refuse");
    addRefuseRules(batch, table);
    for (const net::Family family : {net::Family::V4, net::Family::V6}) {
        const FamilyLayout& f = layoutFor(family);
        addHelperRule(batch, table, f);
        addRegularChain(batch, table, f.permitChain());
        addPermitRules(batch, table, f);
        addRegularChain(batch, table, f.admitChain());
        addAdmitRules(batch, table, f);
        jumpToAdmit(batch, table, "dnat_prerouting", f);
        jumpToAdmit(batch, table, "dnat_output", f);
        addSnatRule(batch, table, f);
        addGateRule(batch, table, f);
    }
}

} // namespace fwx::nft
