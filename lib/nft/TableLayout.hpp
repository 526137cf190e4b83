#pragma once

#include "net/Address.hpp"
#include "nft/Batch.hpp"
#include "nft/EngineOptions.hpp"

#include <cstdint>
#include <string>

namespace fwx::nft {

// The objects of table inet fwxd for one address family. Every set is keyed by
// "internal address . protocol . port" so one set serves TCP and UDP:
//   ports_v4   every allocated port (the gate and the DNAT hook only look at these)
//   dnat_v4    allocated port -> target address . port
//   once_v4    single-use permissions, with the timeouts of TIMEOUT ones
//   once_limits_v4  single-use permission -> its limit object (SingleUseLimit), whose one
//              token admits exactly one connection however many arrive at once; never
//              times out, so that removing the redirect can always delete the object
//   multi_v4   permissions any number of connections may use (ALLOW_MULTIPLE)
//   open_v4    allocated ports any client may use
//   client_v4  allocated port . the one client address allowed to use it
//   source_v4  allocated port . client prefix allowed to use it (interval set)
// Who may connect is split three ways so that the usual cases cost a hash lookup: an
// interval set (pipapo) is linear in its size, so only real prefixes go there.
//   snat_v4    allocated port -> proxy external address (source of the outbound leg)
// The _v6 objects are the same for IPv6.
struct FamilyLayout {
    net::Family family;
    std::uint32_t nfproto;       // NFPROTO_IPV4 / NFPROTO_IPV6
    std::uint32_t addressType;   // nft datatype id: ipv4_addr 7, ipv6_addr 8
    std::uint32_t addressLength; // 4 / 16
    std::string suffix;          // "v4" / "v6"

    std::string ports() const { return "ports_" + suffix; }
    std::string dnat() const { return "dnat_" + suffix; }
    std::string once() const { return "once_" + suffix; }
    std::string onceLimits() const { return "once_limits_" + suffix; }
    std::string multi() const { return "multi_" + suffix; }
    std::string open() const { return "open_" + suffix; }
    std::string client() const { return "client_" + suffix; }
    std::string source() const { return "source_" + suffix; }
    std::string snat() const { return "snat_" + suffix; }
    // server prefix . protocol . port -> ct helper object (an interval object map): the
    // primary connections of registered protocols that get a conntrack helper.
    std::string helpers() const { return "helpers_" + suffix; }
    std::string admitChain() const { return "admit_" + suffix; }
    std::string permitChain() const { return "permit_" + suffix; }

    // Bytes of a "address . protocol . port" key: each field padded to 4 bytes.
    std::uint32_t portKeyLength() const { return addressLength + 8; }
};

const FamilyLayout& layoutFor(net::Family family);

// Adds table inet <options.tableName> (owned by the sending socket), its sets, chains and
// rules to batch.
void addTable(Batch& batch, const EngineOptions& options);

// Adds the chains and rules (ChainLayout.cpp).
void addChains(Batch& batch, const EngineOptions& options);

} // namespace fwx::nft
