#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace fwx::nft {

// The netlink port id of the socket that owns table inet `table` (NFTA_TABLE_OWNER: the
// table was made with NFT_TABLE_F_OWNER and goes when that socket closes). nullopt if
// there is no such table or it has no owner. One NFT_MSG_GETTABLE request. Throws
// fwx::Error(Failed) with the errno, e.g. EPERM without CAP_NET_ADMIN.
std::optional<std::uint32_t> tableOwner(const std::string& table);

} // namespace fwx::nft
