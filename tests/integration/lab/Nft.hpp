// fwx::test::nftJson / nftApply: what nftables holds in the firewall, through nft(8).
//
// nft(8) is deliberately an independent witness of what libfwx programs; both run in
// the calling thread's network namespace (the firewall unless inside Netns::run()).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace fwx::test {

// `nft -j list <listArgs...>`, e.g. nftJson({"table", "inet", "fwxd"}), parsed.
nlohmann::json nftJson(const std::vector<std::string>& listArgs);

// nftJson("map", "inet", "fwxd", "dnat4")
template <class... Args> nlohmann::json nftJson(const Args&... listArgs) {
    return nftJson(std::vector<std::string>{std::string(listArgs)...});
}

// `nft -f -` with script on stdin: applies it as one transaction.
void nftApply(std::string_view script);

} // namespace fwx::test
