#include "nft/Engine.hpp"

#include "error/Error.hpp"
#include "nft/Batch.hpp"
#include "nft/GroupElements.hpp"
#include "nft/HelperObject.hpp"
#include "nft/TableLayout.hpp"
#include "nft/TableOwner.hpp"

#include <cerrno>
#include <ctime>
#include <optional>

#include <fmt/format.h>
#include <linux/netlink.h>
#include <sys/socket.h>

namespace fwx::nft {

namespace {
// Large groups make large batches; the default socket buffers are too small for them.
constexpr int BufferBytes = 4 * 1024 * 1024;
// A removal's transactions hold at most this many element and object operations (more only
// when one redirect alone is more): the kernel holds the nf_tables commit mutex for a
// transaction's whole length, and an interval set (source_*) copies its whole lookup table
// in every transaction that changes it, so every other change (and every other program's
// nft command) waits. A few thousand keeps a transaction short; kube-proxy bounds its
// nftables transactions for the same reason. A redirect costs at most 8
// (GroupElements::removalOperations), so this is 256 or more redirects a transaction.
// Measured (6.18, 1024 single-use redirects with every option, 4 transactions): 13 ms in
// all with a client restriction (hash sets), 140-220 ms with a prefix restriction, whose
// interval set deletes in time linear in its size.
constexpr std::size_t MaxOperationsPerRemoval = 2048;

// The socket every transaction goes through. NETLINK_CAP_ACK: an error answer carries the
// refused message's header, not the whole message (which may be hundreds of KiB and would
// not fit any sensible receive buffer: the real error would be lost). NETLINK_EXT_ACK: the
// answer says which element or attribute the kernel refused, and sometimes why.
net::NetlinkSocket openSocket() {
    net::NetlinkSocket socket = net::NetlinkSocket::open(NETLINK_NETFILTER);
    for (const int option : {SO_SNDBUFFORCE, SO_RCVBUFFORCE}) {
        if (setsockopt(socket.fd(), SOL_SOCKET, option, &BufferBytes, sizeof BufferBytes) < 0) {
            throwSystemError("nft: sizing the netlink socket's buffers", errno);
        }
    }
    for (const int option : {NETLINK_CAP_ACK, NETLINK_EXT_ACK}) {
        const int on = 1;
        if (setsockopt(socket.fd(), SOL_NETLINK, option, &on, sizeof on) < 0) {
            throwSystemError(option == NETLINK_CAP_ACK ? "nft: setting NETLINK_CAP_ACK"
                                                       : "nft: setting NETLINK_EXT_ACK",
                             errno);
        }
    }
    return socket;
}
} // namespace

Engine::Engine(EngineOptions options)
    : options_(std::move(options))
    , socket_(openSocket())
    , sequence_(static_cast<std::uint32_t>(std::time(nullptr))) {
    Batch batch = newBatch();
    addTable(batch, options_);
    try {
        commit(batch);
    } catch (const Error& e) {
        // The kernel says EPERM both to a caller without CAP_NET_ADMIN and to anyone but
        // the owner of a table with NFT_TABLE_F_OWNER: tell them apart.
        if (e.errnum() != EPERM) {
            throw;
        }
        throwIfOwned(options_.tableName);
        throw;
    }
}

void Engine::throwIfOwned(const std::string& table) {
    std::optional<std::uint32_t> owner;
    try {
        owner = tableOwner(table);
    } catch (const Error&) {
        return; // not even allowed to ask: the EPERM was about CAP_NET_ADMIN
    }
    if (owner) {
        throw Error(ErrorCode::Failed,
                    fmt::format("table inet {} belongs to another process in this network "
                                "namespace (netlink port id {}), most likely another fwxd: one "
                                "fwxd serves a namespace",
                                table, *owner),
                    EBUSY);
    }
}

Batch Engine::newBatch() {
    return Batch(sequence_);
}

void Engine::commit(Batch& batch) {
    sequence_ = batch.nextSequence();
    batch.commit(socket_);
    ++stats_.transactions;
    stats_.messages += batch.messageCount();
}

void Engine::addGroup(const redirect::RedirectGroup& group) {
    Batch batch = newBatch();
    GroupElements(group, options_.tableName).addTo(batch);
    commit(batch);
}

// The redirects go in order, whole, in transactions of at most MaxOperationsPerRemoval
// operations. A transaction the kernel refuses changes nothing, so the ones committed
// before it are exactly what removed counts.
redirect::Removal Engine::removeRedirects(std::span<const redirect::Redirect> redirects) {
    redirect::Removal removal;
    while (removal.removed < redirects.size()) {
        std::size_t count = 0;
        std::size_t operations = 0;
        for (const auto& r : redirects.subspan(removal.removed)) {
            const std::size_t cost = GroupElements::removalOperations(r);
            if (count > 0 && operations + cost > MaxOperationsPerRemoval) {
                break;
            }
            operations += cost;
            ++count;
        }
        try {
            Batch batch = newBatch();
            GroupElements(redirects.subspan(removal.removed, count), options_.tableName)
                .removeFrom(batch);
            commit(batch);
        } catch (const Error& e) {
            removal.error = e;
            break;
        }
        removal.removed += count;
    }
    return removal;
}

void Engine::addHelper(const redirect::HelperAssignment& assignment) {
    Batch batch = newBatch();
    HelperObject(assignment, options_.tableName).addTo(batch);
    commit(batch);
}

void Engine::removeHelper(const redirect::HelperAssignment& assignment) {
    Batch batch = newBatch();
    HelperObject(assignment, options_.tableName).removeFrom(batch);
    commit(batch);
}

} // namespace fwx::nft
