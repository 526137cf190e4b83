#include "NftMonitor.hpp"

#include "error/Error.hpp"

#include <cerrno>
#include <vector>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>

namespace fwx::test {

namespace {
constexpr int ReceiveBuffer = 16 * 1024 * 1024;

int count(const nlmsghdr* header, void* data) {
    auto* counts = static_cast<NftMonitor::Counts*>(data);
    if (NFNL_SUBSYS_ID(header->nlmsg_type) != NFNL_SUBSYS_NFTABLES) {
        return MNL_CB_OK;
    }
    switch (NFNL_MSG_TYPE(header->nlmsg_type)) {
    case NFT_MSG_NEWGEN:
        ++counts->transactions;
        break;
    case NFT_MSG_NEWSETELEM:
        ++counts->elementsAdded;
        break;
    case NFT_MSG_DELSETELEM:
        ++counts->elementsRemoved;
        break;
    default:
        break;
    }
    return MNL_CB_OK;
}
} // namespace

NftMonitor::NftMonitor()
    : socket_(net::NetlinkSocket::open(NETLINK_NETFILTER, 1U << (NFNLGRP_NFTABLES - 1))) {
    if (setsockopt(socket_.fd(), SOL_SOCKET, SO_RCVBUFFORCE, &ReceiveBuffer, sizeof ReceiveBuffer) <
        0) {
        throwSystemError("monitor: sizing the receive buffer", errno);
    }
}

NftMonitor::Counts NftMonitor::drain() {
    Counts counts;
    std::vector<char> buffer(static_cast<std::size_t>(MNL_SOCKET_BUFFER_SIZE) * 4);
    for (;;) {
        const ssize_t got = recv(socket_.fd(), buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return counts;
        }
        if (got < 0) {
            throwSystemError("monitor: reading nf_tables notifications", errno);
        }
        mnl_cb_run(buffer.data(), static_cast<std::size_t>(got), 0, 0, count, &counts);
    }
}

} // namespace fwx::test
