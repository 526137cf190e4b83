// fwx::test::TableDump: what an nftables table holds, read in-process with one netlink
// dump per set (GETSETELEM) or object type (GETOBJ), the way `nft list` reads it but
// without starting an nft process per question. Runs in the network namespace of the
// thread that creates it.
#pragma once

#include "net/NetlinkSocket.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

struct nlmsghdr;

namespace fwx::test {

class TableDump {
public:
    // Table `inet <table>`.
    explicit TableDump(std::string table = "fwxd");

    struct Element {
        std::vector<std::uint8_t> key;
        std::vector<std::uint8_t> keyEnd;
        std::vector<std::uint8_t> data;
        std::string objref;
        std::string comment;
        std::optional<std::uint64_t> timeoutMs;
    };
    // The elements of a set or map the kernel would list (expired ones are not). Throws
    // std::runtime_error, e.g. "No such file or directory" for a set that does not exist.
    std::vector<Element> elements(const std::string& set) const;
    // The names of the table's objects of an NFT_OBJECT_* type.
    std::vector<std::string> objects(std::uint32_t type) const;

private:
    // Sends a dump request of type (build adds its payload), hands every answer to parse.
    // False if a change of the ruleset interrupted the dump (the kernel flags it
    // NLM_F_DUMP_INTR): what parse got may mix the states before and after the change.
    bool dump(std::uint16_t type, const std::function<void(nlmsghdr*)>& build,
              const std::function<void(const nlmsghdr*)>& parse) const;
    // Dumps until a dump is not interrupted; reset forgets what an interrupted one parsed.
    void dumpConsistently(std::uint16_t type, const std::function<void(nlmsghdr*)>& build,
                          const std::function<void(const nlmsghdr*)>& parse,
                          const std::function<void()>& reset) const;

    std::string table_;
    // Replaced after an interrupted dump, whose remaining answers go with the old one.
    mutable net::NetlinkSocket socket_;
};

} // namespace fwx::test
