// fwx::bench::nftElementCount: how many elements the sets and maps of fwxd's nftables
// table hold, straight from the kernel (an NFT_MSG_GETSETELEM dump per set, elements
// counted, not decoded), so that a benchmark can poll it cheaply at 10^5 elements where
// `nft list` takes seconds.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace fwx::bench {

// The sets of table inet fwxd that hold one element per redirect or less (README.md,
// "What fwxd programs").
std::vector<std::string> fwxdSetNames();

// Elements of set (or map) name in table `family table` of the calling thread's network
// namespace; 0 if the table or set does not exist. Throws std::system_error.
std::size_t nftElementCount(const std::string& table, const std::string& set);

// The sum over fwxdSetNames() in table inet fwxd.
std::size_t fwxdElementCount();

} // namespace fwx::bench
