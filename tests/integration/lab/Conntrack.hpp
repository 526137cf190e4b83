// fwx::test::conntrackList: the conntrack table of the firewall, through conntrack(8).
//
// Like nft(8), an independent witness; it runs in the calling thread's namespace.
#pragma once

#include <string>
#include <vector>

namespace fwx::test {

// `conntrack -L <args...>` as lines, e.g. conntrackList({"-p", "tcp", "--dport", "80"}) or
// conntrackList({"expect"}). The summary conntrack prints on stderr is not included.
std::vector<std::string> conntrackList(const std::vector<std::string>& args = {});

template <class... Args> std::vector<std::string> conntrackList(const Args&... args) {
    return conntrackList(std::vector<std::string>{std::string(args)...});
}

// `conntrack -F` and `conntrack -F expect`: forgets every flow and expectation.
void conntrackFlush();

} // namespace fwx::test
