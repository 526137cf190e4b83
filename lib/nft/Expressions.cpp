#include "nft/Expressions.hpp"

#include <array>

#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>

namespace fwx::nft::expr {

Expr payload(std::uint32_t base, std::uint32_t offset, std::uint32_t len, std::uint32_t dreg) {
    Expr e = makeExpr("payload");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_BASE, base);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_OFFSET, offset);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_LEN, len);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_DREG, dreg);
    return e;
}

Expr meta(std::uint32_t key, std::uint32_t dreg) {
    Expr e = makeExpr("meta");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_KEY, key);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_DREG, dreg);
    return e;
}

Expr ct(std::uint32_t key, std::optional<std::uint8_t> direction, std::uint32_t dreg) {
    Expr e = makeExpr("ct");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CT_KEY, key);
    if (direction) {
        nftnl_expr_set_u8(e.get(), NFTNL_EXPR_CT_DIR, *direction);
    }
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CT_DREG, dreg);
    return e;
}

Expr compare(std::uint32_t op, std::uint32_t sreg, std::span<const std::uint8_t> data) {
    Expr e = makeExpr("cmp");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CMP_SREG, sreg);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CMP_OP, op);
    nftnl_expr_set(e.get(), NFTNL_EXPR_CMP_DATA, data.data(),
                   static_cast<std::uint32_t>(data.size()));
    return e;
}

Expr mask(std::uint32_t reg, std::span<const std::uint8_t> maskBytes) {
    Expr e = makeExpr("bitwise");
    const auto len = static_cast<std::uint32_t>(maskBytes.size());
    const std::array<std::uint8_t, 16> zero{};
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BITWISE_SREG, reg);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BITWISE_DREG, reg);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BITWISE_LEN, len);
    nftnl_expr_set(e.get(), NFTNL_EXPR_BITWISE_MASK, maskBytes.data(), len);
    nftnl_expr_set(e.get(), NFTNL_EXPR_BITWISE_XOR, zero.data(), len);
    return e;
}

Expr lookup(const std::string& set, std::uint32_t sreg, std::optional<std::uint32_t> dreg,
            bool inverted) {
    Expr e = makeExpr("lookup");
    nftnl_expr_set_str(e.get(), NFTNL_EXPR_LOOKUP_SET, set.c_str());
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LOOKUP_SREG, sreg);
    if (dreg) {
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LOOKUP_DREG, *dreg);
    }
    if (inverted) {
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
    }
    return e;
}

Expr objrefByMap(const std::string& set, std::uint32_t sreg) {
    Expr e = makeExpr("objref");
    nftnl_expr_set_str(e.get(), NFTNL_EXPR_OBJREF_SET_NAME, set.c_str());
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_OBJREF_SET_SREG, sreg);
    return e;
}

Expr nat(std::uint32_t type, std::uint32_t family, std::uint32_t regAddress,
         std::optional<std::uint32_t> regPort) {
    Expr e = makeExpr("nat");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NAT_TYPE, type);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NAT_FAMILY, family);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NAT_REG_ADDR_MIN, regAddress);
    std::uint32_t flags = NF_NAT_RANGE_MAP_IPS;
    if (regPort) {
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NAT_REG_PROTO_MIN, *regPort);
        flags |= NF_NAT_RANGE_PROTO_SPECIFIED;
    }
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NAT_FLAGS, flags);
    return e;
}

Expr verdict(int code, const std::string& chain) {
    Expr e = makeExpr("immediate");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_IMM_VERDICT, static_cast<std::uint32_t>(code));
    if (!chain.empty()) {
        nftnl_expr_set_str(e.get(), NFTNL_EXPR_IMM_CHAIN, chain.c_str());
    }
    return e;
}

Expr rejectTcpReset() {
    Expr e = makeExpr("reject");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_TCP_RST);
    nftnl_expr_set_u8(e.get(), NFTNL_EXPR_REJECT_CODE, 0);
    return e;
}

Expr rejectPortUnreachable() {
    Expr e = makeExpr("reject");
    nftnl_expr_set_u32(e.get(), NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_ICMPX_UNREACH);
    nftnl_expr_set_u8(e.get(), NFTNL_EXPR_REJECT_CODE, NFT_REJECT_ICMPX_PORT_UNREACH);
    return e;
}

Expr counter() {
    return makeExpr("counter");
}

} // namespace fwx::nft::expr
