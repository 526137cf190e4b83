#pragma once

#include "nft/Nftnl.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>

// Builders for the nf_tables expressions fwxd's rules are made of. Each returns an owned
// libnftnl expression; registers are NFT_REG32_* so concatenations can be loaded field by
// field, as nft itself does.
namespace fwx::nft::expr {

// [ payload load <len>b @ <base> header + <offset> => reg <dreg> ]
Expr payload(std::uint32_t base, std::uint32_t offset, std::uint32_t len, std::uint32_t dreg);
// [ meta load <key> => reg <dreg> ]
Expr meta(std::uint32_t key, std::uint32_t dreg);
// [ ct load <key> => reg <dreg> , dir <direction> ]
Expr ct(std::uint32_t key, std::optional<std::uint8_t> direction, std::uint32_t dreg);
// [ cmp <op> reg <sreg> <data> ]
Expr compare(std::uint32_t op, std::uint32_t sreg, std::span<const std::uint8_t> data);
// [ bitwise reg <reg> = ( reg <reg> & <mask> ) ^ 0 ]
Expr mask(std::uint32_t reg, std::span<const std::uint8_t> mask);
// [ lookup reg <sreg> set <set> (dreg <dreg>) (0x1 = inverted) ]
Expr lookup(const std::string& set, std::uint32_t sreg, std::optional<std::uint32_t> dreg = {},
            bool inverted = false);
// [ objref sreg <sreg> set <set> ]: the stateful object the packet's key maps to in set.
Expr objrefByMap(const std::string& set, std::uint32_t sreg);
// [ nat <dnat|snat> <family> addr_min reg <regAddress> (proto_min reg <regPort>) ]
Expr nat(std::uint32_t type, std::uint32_t family, std::uint32_t regAddress,
         std::optional<std::uint32_t> regPort);
// [ immediate reg 0 <verdict> (<chain>) ]
Expr verdict(int code, const std::string& chain = {});
// [ reject type 1 code 0 ]: TCP reset
Expr rejectTcpReset();
// [ reject type 2 code 1 ]: ICMP/ICMPv6 port unreachable (icmpx)
Expr rejectPortUnreachable();
// [ counter pkts 0 bytes 0 ]
Expr counter();

} // namespace fwx::nft::expr
