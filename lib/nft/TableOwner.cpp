#include "nft/TableOwner.hpp"

#include "error/Error.hpp"
#include "net/NetlinkSocket.hpp"
#include "nft/Nftnl.hpp"

#include <array>
#include <cerrno>

#include <libmnl/libmnl.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

namespace fwx::nft {

namespace {

struct Answer {
    std::optional<std::uint32_t> owner;
};

int onTable(const nlmsghdr* message, void* data) {
    Table table = makeTable();
    if (nftnl_table_nlmsg_parse(message, table.get()) < 0) {
        return MNL_CB_ERROR;
    }
    if (nftnl_table_is_set(table.get(), NFTNL_TABLE_OWNER)) {
        static_cast<Answer*>(data)->owner = nftnl_table_get_u32(table.get(), NFTNL_TABLE_OWNER);
    }
    return MNL_CB_OK;
}

} // namespace

std::optional<std::uint32_t> tableOwner(const std::string& name) {
    const net::NetlinkSocket socket = net::NetlinkSocket::open(NETLINK_NETFILTER);
    // A table message is small; the kernel answers with one and an ACK.
    std::array<char, 8192> buffer{};
    constexpr std::uint32_t Sequence = 1;
    nlmsghdr* request =
        nftnl_nlmsg_build_hdr(buffer.data(), NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_ACK, Sequence);
    Table table = makeTable();
    nftnl_table_set_str(table.get(), NFTNL_TABLE_NAME, name.c_str());
    nftnl_table_nlmsg_build_payload(request, table.get());
    if (mnl_socket_sendto(socket.get(), request, request->nlmsg_len) < 0) {
        throwSystemError("nft: asking for table inet " + name, errno);
    }
    Answer answer;
    for (;;) {
        const ssize_t received = mnl_socket_recvfrom(socket.get(), buffer.data(), buffer.size());
        if (received < 0) {
            throwSystemError("nft: reading table inet " + name, errno);
        }
        const int r = mnl_cb_run(buffer.data(), static_cast<std::size_t>(received), Sequence,
                                 socket.portId(), onTable, &answer);
        if (r == MNL_CB_STOP) {
            return answer.owner;
        }
        if (r < 0) {
            if (errno == ENOENT) {
                return std::nullopt;
            }
            throwSystemError("nft: reading table inet " + name, errno);
        }
    }
}

} // namespace fwx::nft
