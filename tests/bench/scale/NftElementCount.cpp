#include "NftElementCount.hpp"

#include <cerrno>
#include <cstdint>
#include <memory>
#include <system_error>
#include <vector>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <unistd.h>

namespace fwx::bench {

namespace {

struct SocketClose {
    void operator()(mnl_socket* socket) const noexcept { mnl_socket_close(socket); }
};

int countOne(const nlattr* /*element*/, void* data) {
    ++*static_cast<std::size_t*>(data);
    return MNL_CB_OK;
}

// Counts the NFTA_LIST_ELEM entries of one NFT_MSG_NEWSETELEM message of the dump.
int countList(const nlattr* attribute, void* data) {
    if (mnl_attr_get_type(attribute) == NFTA_SET_ELEM_LIST_ELEMENTS) {
        return mnl_attr_parse_nested(attribute, countOne, data);
    }
    return MNL_CB_OK;
}

int countElements(const nlmsghdr* message, void* data) {
    return mnl_attr_parse(message, sizeof(nfgenmsg), countList, data);
}

} // namespace

std::vector<std::string> fwxdSetNames() {
    std::vector<std::string> names;
    for (const char* family : {"_v4", "_v6"}) {
        for (const char* set :
             {"ports", "dnat", "once", "multi", "open", "client", "source", "snat"}) {
            names.push_back(std::string(set) + family);
        }
    }
    return names;
}

std::size_t nftElementCount(const std::string& table, const std::string& set) {
    const std::unique_ptr<mnl_socket, SocketClose> socket(mnl_socket_open(NETLINK_NETFILTER));
    if (!socket || mnl_socket_bind(socket.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
        throw std::system_error(errno, std::generic_category(), "netlink socket for nftables");
    }
    std::vector<char> buffer(static_cast<std::size_t>(MNL_SOCKET_BUFFER_SIZE) * 4);
    nlmsghdr* request = mnl_nlmsg_put_header(buffer.data());
    request->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETSETELEM;
    request->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    const auto seq = static_cast<std::uint32_t>(::getpid());
    request->nlmsg_seq = seq;
    auto* header = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(request, sizeof(nfgenmsg)));
    header->nfgen_family = NFPROTO_INET;
    header->version = NFNETLINK_V0;
    header->res_id = 0;
    mnl_attr_put_strz(request, NFTA_SET_ELEM_LIST_TABLE, table.c_str());
    mnl_attr_put_strz(request, NFTA_SET_ELEM_LIST_SET, set.c_str());
    if (mnl_socket_sendto(socket.get(), request, request->nlmsg_len) < 0) {
        throw std::system_error(errno, std::generic_category(), "sending the set dump request");
    }
    const unsigned portid = mnl_socket_get_portid(socket.get());
    std::size_t count = 0;
    for (;;) {
        const ssize_t n = mnl_socket_recvfrom(socket.get(), buffer.data(), buffer.size());
        if (n < 0) {
            throw std::system_error(errno, std::generic_category(), "receiving the set dump");
        }
        const int r = mnl_cb_run(buffer.data(), static_cast<std::size_t>(n), seq, portid,
                                 countElements, &count);
        if (r == MNL_CB_STOP) {
            return count;
        }
        if (r < 0) {
            if (errno == ENOENT) {
                return 0;
            }
            const int error = errno;
            std::string what = "dumping set ";
            what += table;
            what += ' ';
            what += set;
            throw std::system_error(error, std::generic_category(), what);
        }
    }
}

std::size_t fwxdElementCount() {
    std::size_t total = 0;
    for (const std::string& set : fwxdSetNames()) {
        total += nftElementCount("fwxd", set);
    }
    return total;
}

} // namespace fwx::bench
